#!/bin/sh
# Soak benchmark: fa2 serve under mixed signed Slack traffic, slowloris heads, stalled half
# bodies and analyses (the Converse double) for SOAK_MINUTES (default 3), loopback only;
# prints RSS, open descriptors and /healthz latency percentiles every minute (bench/soak.py
# says what runs). Figures only, never a timed assert; exits 1 only when fa2 serve died.
# Environment: FA2 (binary, default build/fa2), SOAK_MINUTES, SOAK_EVENTS_PER_S (5),
# SOAK_SUBMIT_S (10), SOAK_SLOWLORIS (50), SOAK_PARTIAL (50).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
command -v python3 >/dev/null 2>&1 || { echo "bench/soak.sh: python3 not installed"; exit 0; }
python3 -c 'import botocore' 2>/dev/null || { echo "bench/soak.sh: botocore missing (the Converse double needs it)"; exit 0; }
ulimit -n 4096 2>/dev/null || true
exec python3 "$ROOT/bench/soak.py"
