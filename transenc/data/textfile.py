"""Reading text files strictly: UTF-8 or a precise error, any line ending, scores validated."""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterator
from pathlib import Path

from transenc.errors import DataError, quoted


def read_text(path: str | Path) -> str:
    """The decoded contents of a UTF-8 text file (a leading BOM removed).

    Raises:
        DataError: the file is missing, is not UTF-8 (naming the first bad line), or is empty.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise DataError(path, f"cannot be read ({err.strerror or type(err).__name__})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise DataError(path, f"not valid UTF-8 (byte 0x{raw[err.start]:02x})", line) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise DataError(path, "file is empty")
    return text


def _open_binary(path: Path):
    """The file's bytes, decompressed when it is gzipped (``.gz``)."""
    if path.suffix.lower() == ".gz":
        import gzip

        return gzip.open(path, "rb")
    return path.open("rb")


def inner_suffix(path: Path) -> str:
    """A file's extension, lower-case, looking through ``.gz`` (``pairs.tsv.gz`` -> ``.tsv``);
    empty for none."""
    suffixes = [s.lower() for s in Path(path).suffixes if s.lower() != ".gz"]
    return suffixes[-1] if suffixes else ""


def stream_lines(path: str | Path) -> Iterator[str]:
    """The lines of a UTF-8 text file, endings kept, read one at a time (memory does not grow
    with the file); errors as :func:`read_text`, raised when the reader gets there.

    Raises:
        DataError: missing, unreadable, not UTF-8 (naming the line) or empty.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "file not found")
    seen_text = False
    try:
        with _open_binary(path) as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as err:
                    bad = raw[err.start]
                    raise DataError(path, f"not valid UTF-8 (byte 0x{bad:02x})", number) from None
                if number == 1 and line.startswith("\ufeff"):
                    line = line[1:]
                seen_text = seen_text or bool(line.strip())
                yield line
    except (OSError, EOFError, zlib.error) as err:  # a gzip file cut short or damaged
        reason = getattr(err, "strerror", None) or _gzip_reason(err)
        raise DataError(path, f"cannot be read ({reason})") from None
    if not seen_text:
        raise DataError(path, "file is empty")


def _gzip_reason(err: Exception) -> str:
    if isinstance(err, EOFError):
        return "compressed stream cut short"
    if isinstance(err, zlib.error):
        return "damaged compressed data"
    return type(err).__name__


def json_records(path: str | Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line of a JSONL file; a line that is not a JSON
    object is a DataError naming it."""
    import json

    for number, line in enumerate(stream_lines(path), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise DataError(path, f"invalid JSON ({err.msg})", number) from None
        if not isinstance(record, dict):
            raise DataError(path, "expected a JSON object", number)
        yield number, record


def read_lines(path: str | Path) -> list[str]:
    """All lines of a UTF-8 text file without their endings (LF or CRLF); see :func:`read_text`."""
    lines = read_text(path).split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def parse_score(text: str, path: str | Path, line: int, column: str = "score") -> float:
    """A finite float, or a DataError naming the file, line and column (``label 'yes'``)."""
    try:
        value = float(text)
    except ValueError:
        raise DataError(path, f"{column} {quoted(text.strip())} is not a number", line) from None
    if not math.isfinite(value):
        raise DataError(path, f"{column} {quoted(text.strip())} is not a finite number", line)
    return value


# the models read 512 tokens at most (a few thousand characters); a "sentence" far past that is
# a file read the wrong way, and copied into every label file it would cost gigabytes
MAX_SENTENCE_CHARS = 20_000


def clean_sentence(text: str, path: str | Path, line: int, column: str) -> str:
    """The sentence with outer whitespace removed; an empty or overlong one is an error."""
    sentence = text.strip()
    if not sentence:
        raise DataError(path, f"empty sentence in column {column}", line)
    return check_length(sentence, path, line)


def check_length(sentence: str, path: str | Path, line: int) -> str:
    if len(sentence) > MAX_SENTENCE_CHARS:
        raise DataError(
            path,
            f"a sentence of {len(sentence):,} characters; transenc reads up to "
            f"{MAX_SENTENCE_CHARS:,} (models read 512 tokens at most): split or shorten it",
            line,
        )
    return sentence
