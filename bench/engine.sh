#!/usr/bin/env bash
# Matching engine benchmark: generate a workload of N ops (default 1,000,000), then replay it with the
# mypyc-compiled engine and with the interpreted one, printing each replay's JSON summary.
#   bench/engine.sh [OPS] [SEED]        (also: make bench-engine)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
ops=${1:-1000000}
seed=${2:-1}
py=.venv/bin/python
scripts/build_engine.sh >&2
file=.build/bench/workload-$ops-$seed.jsonl
mkdir -p .build/bench
if [ ! -s "$file" ]; then
  echo "generating $ops ops (seed $seed) into $file" >&2
  PYTHONPATH=.build/engine $py -m castle_engine.workload --ops "$ops" --seed "$seed" > "$file.tmp" && mv "$file.tmp" "$file"
fi
# The machine is shared: print its load next to the figures (per-op latencies suffer most).
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores" >&2
echo "compiled:" >&2
PYTHONPATH=.build/engine $py -m castle_engine.replay "$file"
echo "interpreted (load average: $(cut -d' ' -f1-3 /proc/loadavg)):" >&2
$py -m castle_engine.replay "$file"
