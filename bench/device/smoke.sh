#!/bin/bash
# call 1 (bench/device/pack.sh): what chunk 1 holds (wheels, data, MiniLM): the stack imports and a short MiniLM run trains on CUDA
source bench/device/env.sh
python3 -c "
import sys, torch, transformers, sentence_transformers as s, huggingface_hub as h, datasets, accelerate, pandas, scipy
print(sys.version.split()[0], torch.__version__, torch.cuda.get_device_name(0), transformers.__version__, s.__version__, h.__version__, datasets.__version__, accelerate.__version__)
from transenc.precision import choose; print(choose('auto').note)
"
mkdir -p /tmp/smoke && head -201 $DOMAINS/mqp/gold.tsv | cut -f1,2 > /tmp/smoke/pairs.tsv
time python3 -m transenc bootstrap --pairs /tmp/smoke/pairs.tsv --out /tmp/smoke/run --recipe bench/device/smoke.toml 2>&1 | tail -25
