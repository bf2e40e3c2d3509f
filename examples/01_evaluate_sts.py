"""Evaluate a bi-encoder and a cross-encoder on the STS suite with the public API.

python examples/01_evaluate_sts.py ../shared/data/sts
"""

import sys

from transenc.evaluate import EvalConfig, format_table, run

# 1. Where the STS release files are.
data_dir = sys.argv[1] if len(sys.argv) > 1 else "data/sts"

# 2. The embedded all-MiniLM-L6-v2 as a bi-encoder, on two tasks to keep it quick.
bi = run(EvalConfig(model="default", data_dir=data_dir, tasks=("stsb", "sickr")))

# 3. The same weights read as a cross-encoder (a fresh, untrained head: expect noise).
cross = run(EvalConfig(model="default", kind="cross", data_dir=data_dir, tasks=("stsb", "sickr")))

# 4. One row per model.
print(format_table({"bi": bi.spearman, "cross (untrained head)": cross.spearman}))
