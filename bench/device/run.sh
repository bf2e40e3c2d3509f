#!/bin/bash
# On the device, last call: unpack everything, then ROWS (default transenc-mutual) on the three
# domains x seeds 1-3, one process per (domain, seed), all at once on the GPU, beside the
# untrained rows (UNTRAINED=0 skips them). Each process stops at DEADLINE seconds so that what
# finished comes back under $OUT: the records and the runs without their weights.
set -u
DEADLINE=${DEADLINE:-450}
ROWS=${ROWS:-transenc-mutual}
RECORD_AS=${RECORD_AS:-adaptation_gpu}
bash bench/device/unpack.sh > /tmp/unpack.log 2>&1; tail -3 /tmp/unpack.log
source bench/device/env.sh
mkdir -p /tmp/logs
nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv -l 15 > /tmp/logs/gpu.csv 2>&1 &
PIDS=""
if [ "${UNTRAINED:-1}" = 1 ]; then
  timeout $DEADLINE python3 -m bench.studies.adaptation --domains mqp ukp parade --rows zero-shot mpnet --seeds 1 --record-as $RECORD_AS --out /tmp/runs/base --domains-dir $DOMAINS > /tmp/logs/base.log 2>&1 &
  PIDS="$!"
fi
for s in 1 2 3; do for d in mqp ukp parade; do
  timeout $DEADLINE python3 -m bench.studies.adaptation --domains $d --rows $ROWS --seeds $s --record-as $RECORD_AS --out /tmp/runs/$d-s$s --domains-dir $DOMAINS > /tmp/logs/$d-s$s.log 2>&1 &
  PIDS="$PIDS $!"
done; done
start=$(date +%s)
running() { for p in $PIDS; do kill -0 $p 2>/dev/null && return 0; done; return 1; }
while running && [ $(( $(date +%s) - start )) -lt $((DEADLINE + 5)) ]; do
  sleep 10; echo "$(( $(date +%s) - start ))s: $(cat bench/results/$RECORD_AS.jsonl 2>/dev/null | wc -l) rows recorded"
done
kill $(jobs -p) 2>/dev/null
cp bench/results/$RECORD_AS.jsonl $OUT/ 2>/dev/null
# without weights, tokenizers and the domains' own files, a file per seed: each under the 16 MB
# a file may bring back
for s in 1 2 3; do
  tar -czf $OUT/runs-s$s.tgz --exclude='*.safetensors' --exclude='*.pt' --exclude='*.pth' \
    --exclude='tokenizer.json' --exclude='vocab.txt' --exclude='*.bin' --exclude='gold_*.tsv' \
    --exclude='adapt_*' --exclude='pairs.tsv' /tmp/runs/*-s$s 2>/dev/null
done
tar -czf $OUT/logs.tgz /tmp/logs /tmp/unpack.log /tmp/runs/base 2>/dev/null
ls -l $OUT
