"""BENCHMARKS.md is an index a person reads in minutes; each study has its own page (issue 42)."""

from pathlib import Path

from bench import report

ROOT = Path(__file__).parents[1]


def _entry(time: str) -> dict:
    machine = {"processor": "cpu-x", "cpu_count": 2}
    versions = {"torch": "2.13.0", "sentence-transformers": "6.3.0"}
    return {"time": time, "command": "python -m x", "machine": machine, "versions": versions}


def test_each_benchmark_gets_a_page_and_a_line_in_the_index(monkeypatch):
    records = {"labelling": {"a": {**_entry("2026-12-01T10:00"), "figures": {"n": 1}}}}
    monkeypatch.setattr(report, "RENDER", {"labelling": lambda f: f"n is {f['n']}"})
    pages = report.pages(records)
    assert list(pages) == ["labelling"] and "n is 1" in pages["labelling"]
    assert "python -m x" in pages["labelling"] and "cpu-x" in pages["labelling"]
    text = report.page_text("labelling", pages["labelling"])
    assert text.startswith("# Labelling throughput") and report.START in text
    line = report.index(records, ["labelling"], "docs/results/")
    assert "(docs/results/labelling.md): 1 record(s), latest 2026-12-01" in line


def test_benchmarks_md_stays_an_index():
    text = (ROOT / "BENCHMARKS.md").read_text()
    assert len(text.splitlines()) <= 300
    assert report.START in text and report.END in text
    for link in ("docs/results/adaptation.md", "docs/results/notes/"):
        assert link in text
