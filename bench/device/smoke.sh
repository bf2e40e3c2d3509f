#!/bin/bash
# call 1 (bench/device/pack.sh): what chunk 1 holds (wheels, data, MiniLM): the stack imports and a short MiniLM run trains on CUDA
source bench/device/env.sh
python3 -c "
import sys, torch, transformers, sentence_transformers as s, huggingface_hub as h, datasets, accelerate, pandas, scipy
print(sys.version.split()[0], torch.__version__, torch.cuda.get_device_name(0), transformers.__version__, s.__version__, h.__version__, datasets.__version__, accelerate.__version__)
from transenc.precision import choose; print(choose('auto').note)
"
mkdir -p /tmp/smoke
# adapt-mutual-probe with every stage cut to a few steps and checks on 20 held-back pairs
sed -e 's/^name = .*/name = "gpu-smoke"/' -e 's/^min_steps = .*/min_steps = 20/' \
  -e 's/^max_passes = .*/max_passes = 2/' -e 's/^check_every = .*/check_every = 10/' \
  -e 's/^min_checked_pairs = .*/min_checked_pairs = 10/' bench/recipes/adapt-mutual-probe.toml \
  > /tmp/smoke/recipe.toml
head -201 $DOMAINS/mqp/gold.tsv | cut -f1,2 > /tmp/smoke/pairs.tsv
time python3 -m transenc bootstrap --pairs /tmp/smoke/pairs.tsv --out /tmp/smoke/run --recipe /tmp/smoke/recipe.toml 2>&1 | tail -25
