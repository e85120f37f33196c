#!/bin/sh
# CPU time per analysis cycle and peak RSS of fa2 analyze over 100,000 log lines served by
# the doubles (see bench/agent_bench.py). Goal: < 50 ms CPU per cycle, < 64 MB RSS.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export FA2="${FA2:-$ROOT/build/fa2}"
[ -x "$FA2" ] || { echo "build fa2 first (make)"; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time (package time) is needed"; exit 0; }
python3 -c "import botocore" 2>/dev/null || { echo "botocore is needed for the doubles"; exit 0; }
exec python3 "$ROOT/bench/agent_bench.py"
