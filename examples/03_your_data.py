"""Adapt all-MiniLM-L6-v2 to your own sentences, then score it on your own gold (if you have any).

    python examples/03_your_data.py data/examples/support-pairs.tsv runs/your-data [gold.tsv]

The first argument is any sentence file (one a line, or a table with a `sentence` or `text`
column; here the sentences of a small pair file we wrote are used). Rerunning resumes.
"""

import sys
from pathlib import Path

from transenc import gold_eval
from transenc.bootstrap import BootstrapConfig, run
from transenc.mining import read_sentences
from transenc.recipe import load_recipe

# 1. Inputs: your sentences, a run directory, and optionally a gold file to check the result.
source = Path(sys.argv[1] if len(sys.argv) > 1 else "data/examples/support-pairs.tsv")
run_dir = Path(sys.argv[2] if len(sys.argv) > 2 else "runs/your-data")
gold = sys.argv[3:]

# 2. Sentences: a pair file's two columns, written one a line (a plain sentence file works as is).
if source.suffix == ".tsv" and "sentence1" in source.read_text().splitlines()[0]:
    lines = [cell for row in source.read_text().splitlines()[1:] for cell in row.split("\t")]
    sentences = run_dir.parent / f"{run_dir.name}-sentences.txt"
    sentences.parent.mkdir(parents=True, exist_ok=True)
    sentences.write_text("\n".join(lines) + "\n")
    source = sentences
print(f"{len(read_sentences(source))} distinct sentences")

# 3. Run (or resume) the loop: pairs mined from the sentences, then one round of `adapt`.
result = run(
    BootstrapConfig(
        pairs="", sentences=str(source), out=run_dir, recipe=load_recipe("adapt"), eval_gold=gold
    ),
    say=print,
)
print("fidelity (label-free):", result.fidelity)
for choice in result.deploy:  # what to use, chosen from label-free signals
    print(choice.line())

# 4. Your gold, if given: every metric of both final models.
for model in (*result.final_bi, *result.final_cross):
    if gold:
        scored = gold_eval.run(gold_eval.GoldEvalConfig(model=str(model), gold=gold))
        print(model, scored.metrics)
