#!/bin/sh
# fa2 triage on the bundled sample incident: wall time and peak RSS (figures only).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FA2=${FA2:-$ROOT/${BUILD:-build}/fa2}
SAMPLE=$ROOT/examples/ecs-dynamodb-sg
[ -x "$FA2" ] || { echo "bench/triage.sh: build fa2 first (make)"; exit 1; }
runs=5
start=$(date +%s%N)
i=0
while [ $i -lt $runs ]; do
	"$FA2" triage --source "$SAMPLE" --format json > /dev/null
	i=$((i + 1))
done
end=$(date +%s%N)
echo "triage sample: $(( (end - start) / runs / 1000000 )) ms per run (mean of $runs)"
if command -v /usr/bin/time > /dev/null 2>&1; then
	/usr/bin/time -f "triage sample: peak RSS %M KB" "$FA2" triage --source "$SAMPLE" > /dev/null
fi
