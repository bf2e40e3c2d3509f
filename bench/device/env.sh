# bench/device: sourced on the device before any run
export PYTHONPATH=/tmp/shim:${EXTRA_PYTHONPATH:-}/tmp/site:$PWD
export TRANSENC_MODELS=/tmp/models HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false OMP_NUM_THREADS=1
export DOMAINS=/tmp/payload/domains
