#!/bin/sh
# Triage benchmark (prints figures, asserts nothing).
#  1. The bundled sample incident (examples/ecs-dynamodb-sg, 7,628 log lines): mean wall
#     time of 5 runs of `fa2 triage --source`, and peak RSS.
#  2. A snapshot of TRIAGE_LINES log lines (default 1,000,000) made from the sample by
#     bench/triage_snapshot.py (every log row repeated with other values: the templates,
#     their mix over time, the metrics, changes and traces stay those of the sample):
#     `fa2 triage --source DIR --format json`, best of 3 by wall time, with its user and
#     system CPU time and peak RSS (the target of issue 11: under 2 s and 64 MB).
#  3. The template miner alone on the same messages (`fa2 patterns FILE`), same figures.
# Environment: FA2 (default build/fa2), TRIAGE_LINES (0 skips 2 and 3), TRIAGE_CACHE=DIR
# keeps the generated snapshot in DIR and reuses it when it holds TRIAGE_LINES lines
# (generating 1,000,000 lines takes a few minutes of Python).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FA2=${FA2:-$ROOT/${BUILD:-build}/fa2}
SAMPLE=$ROOT/examples/ecs-dynamodb-sg
LINES=${TRIAGE_LINES:-1000000}
[ -x "$FA2" ] || { echo "bench/triage.sh: build fa2 first (make)"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/fa2-bench-triage-XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

# measure LABEL CMD...: prints wall, user, system seconds and peak RSS of one run
measure() {
	label=$1
	shift
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%e %U %S %M' -o "$T/time" "$@" > /dev/null
		read -r w u s k < "$T/time"
	else
		start=$(date +%s.%N)
		# shellcheck disable=SC2046
		set -- $(sh -c '"$@" > /dev/null; times' sh "$@" | tail -n 1)
		end=$(date +%s.%N)
		w=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
		u=$(printf '%s\n' "$1" | awk '{ split($1, x, /[ms]/); printf "%.2f", x[1] * 60 + x[2] }')
		s=$(printf '%s\n' "$2" | awk '{ split($1, x, /[ms]/); printf "%.2f", x[1] * 60 + x[2] }')
		k=0
	fi
	printf '%s %s %s %s %s\n' "$label" "$w" "$u" "$s" "$k"
}

# best LABEL RUNS CMD...: the run with the lowest wall time of RUNS
best() {
	label=$1 runs=$2
	shift 2
	: > "$T/runs"
	i=0
	while [ "$i" -lt "$runs" ]; do
		measure "$label" "$@" >> "$T/runs"
		i=$((i + 1))
	done
	sort -k2,2n "$T/runs" | head -n 1 | awk '{
		printf "%-28s %7.2f s wall %7.2f s user %7.2f s sys %8.1f MB peak RSS\n", $1, $2, $3, $4, $5 / 1024
	}'
}

runs=5
start=$(date +%s%N)
i=0
while [ $i -lt $runs ]; do
	"$FA2" triage --source "$SAMPLE" --format json > /dev/null
	i=$((i + 1))
done
end=$(date +%s%N)
echo "triage sample: $(( (end - start) / runs / 1000000 )) ms per run (mean of $runs)"
best "triage-sample" 1 "$FA2" triage --source "$SAMPLE" --format json

[ "$LINES" -gt 0 ] || exit 0
DIR=${TRIAGE_CACHE:-$T/snap}
if [ -f "$DIR/lines" ] && [ "$(cat "$DIR/lines")" = "$LINES" ] && [ -f "$DIR/messages.txt" ]; then
	echo "snapshot: reusing $DIR ($LINES log lines)"
else
	rm -rf "$DIR"
	mkdir -p "$DIR"
	echo "snapshot: generating $LINES log lines in $DIR ..."
	python3 "$ROOT/bench/triage_snapshot.py" "$SAMPLE" "$DIR/snap" "$LINES" "$DIR/messages.txt" > /dev/null
	echo "$LINES" > "$DIR/lines"
fi
echo "snapshot: $(du -sk "$DIR/snap" | cut -f1) KB of JSON"
cat "$DIR"/snap/logs/*.json > /dev/null  # warm the page cache
best "triage-$LINES-lines" 3 "$FA2" triage --source "$DIR/snap" --format json
best "miner-alone-$LINES-lines" 3 "$FA2" patterns "$DIR/messages.txt"
echo "target (issue 11): triage of 1,000,000 lines under 2 s wall and 64 MB peak RSS"
