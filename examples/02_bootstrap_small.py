"""Bootstrap a bi- and a cross-encoder from 500 unlabeled STS-B train pairs, one round.

    python examples/02_bootstrap_small.py ../shared/data/sts runs/example

Rerunning the script resumes: finished stages are skipped.
"""

import sys
from pathlib import Path

from sentence_transformers import CrossEncoder, SentenceTransformer

from transenc.bootstrap import BootstrapConfig, run
from transenc.evaluate import format_table
from transenc.recipe import load_recipe

# 1. Inputs: the STS data directory (for the corpus and the evaluation) and a run directory.
data_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "data/sts")
run_dir = Path(sys.argv[2] if len(sys.argv) > 2 else "runs/example")

# 2. A recipe: the shipped demo recipe, on a smaller sample.
recipe = load_recipe("demo").with_overrides(max_pairs=500)

# 3. Run (or resume) the loop, evaluating on STS-B and SICK-R before and after.
result = run(
    BootstrapConfig(
        pairs="stsb:train",
        data_dir=data_dir,
        out=run_dir,
        recipe=recipe,
        eval_data=data_dir,
        eval_tasks=("stsb", "sickr"),
    ),
    say=print,
)
print(format_table(result.table))

# 4. The final models are plain sentence-transformers folders.
bi = SentenceTransformer(str(result.final_bi[0]))
cross = CrossEncoder(str(result.final_cross[0]))
pair = ("A man is playing a guitar.", "Someone plays an instrument.")
print("bi cosine:", float(bi.similarity(bi.encode([pair[0]]), bi.encode([pair[1]]))[0, 0]))
print("cross score:", float(cross.predict([pair])[0]))
