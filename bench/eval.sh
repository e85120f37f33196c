#!/bin/sh
# fa2 eval over the generated corpus (docs/eval.md): per-scenario results and the
# top-1/top-3 totals of triage, dev and held-out (figures only, never a pass/fail).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B="$ROOT/${BUILD:-build}"
FA2=${FA2:-$B/fa2}
[ -x "$FA2" ] || { echo "bench/eval.sh: build fa2 first (make)"; exit 1; }
make --no-print-directory -s -C "$ROOT" corpus >/dev/null
"$FA2" eval --corpus "$B/corpus"
