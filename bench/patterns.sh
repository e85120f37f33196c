#!/bin/sh
# Log template mining benchmark (prints figures, asserts nothing).
#  1. Per loghub system: the Content column of each <System>_2k.log_structured.csv goes
#     through `fa2 patterns --assign` (one configuration for every system), scored by
#     bench/patterns_score.py against the ground truth: grouping accuracy (GA: a line
#     counts when its predicted group equals its true group exactly) and parsing accuracy
#     (PA: a line counts when its template string equals the true one under loghub's own
#     comparison rules, see patterns_score.py). Then the averages and the lowest GA.
#  2. Throughput: every system's content repeated to >= 2,000,000 lines, mined once
#     (`fa2 patterns FILE`, table output), lines per second of wall and user CPU time.
# Environment: FA2 (default build/fa2), FA2_TESTDATA (default ../shared/testdata),
# BENCH_LINES (default 2000000; 0 skips the throughput part), PATTERNS_KEEP=DIR keeps
# the per-system outputs (content, truth, assignment) in DIR.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
FA2=${FA2:-$ROOT/${BUILD:-build}/fa2}
LH=${FA2_TESTDATA:-$ROOT/../shared/testdata}/loghub
WANT=${BENCH_LINES:-2000000}
[ -x "$FA2" ] || { echo "patterns: $FA2 not built (make)"; exit 1; }
if [ ! -d "$LH" ]; then
	echo "patterns: loghub test data absent ($LH); set FA2_TESTDATA"
	exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/fa2-bench-patterns-XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

printf '%-10s %8s %8s %10s %9s\n' system GA PA templates truth
sum=0 psum=0 n=0 min=1
for csv in "$LH"/*/*_2k.log_structured.csv; do
	sys=$(basename "$csv" _2k.log_structured.csv)
	python3 "$ROOT/bench/loghub_content.py" "$csv" "$T/$sys.txt" "$T/$sys.truth" "$T/$sys.tpl"
	"$FA2" patterns --assign "$T/$sys.txt" > "$T/$sys.out"
	# shellcheck disable=SC2046
	set -- $(python3 "$ROOT/bench/patterns_score.py" "$T/$sys.truth" "$T/$sys.out" "$T/$sys.tpl" "$T/$sys.txt")
	acc=$1 pa=$2
	ntpl=$(cut -f2 "$T/$sys.out" | sort -u | wc -l)
	ntrue=$(sort -u "$T/$sys.truth" | wc -l)
	printf '%-10s %8s %8s %10s %9s\n' "$sys" "$acc" "$pa" "$ntpl" "$ntrue"
	sum=$(awk -v a="$sum" -v b="$acc" 'BEGIN { printf "%.6f", a + b }')
	psum=$(awk -v a="$psum" -v b="$pa" 'BEGIN { printf "%.6f", a + b }')
	min=$(awk -v a="$min" -v b="$acc" 'BEGIN { print (b < a) ? b : a }')
	n=$((n + 1))
done
awk -v s="$sum" -v p="$psum" -v n="$n" -v m="$min" 'BEGIN {
	printf "%-10s %8.4f %8.4f   (%d systems, lowest GA %.4f; Drain published GA 0.904)\n", "average", s / n, p / n, n, m
}'
if [ -n "${PATTERNS_KEEP:-}" ]; then
	mkdir -p "$PATTERNS_KEEP"
	cp "$T"/*.txt "$T"/*.truth "$T"/*.tpl "$T"/*.out "$PATTERNS_KEEP"/
fi
[ "$WANT" -gt 0 ] || exit 0

# Throughput on all the content repeated to >= WANT lines.
cat "$T"/*.txt > "$T/all.once"
once=$(wc -l < "$T/all.once")
: > "$T/big.txt"
lines=0
while [ "$lines" -lt "$WANT" ]; do
	cat "$T/all.once" >> "$T/big.txt"
	lines=$((lines + once))
done
bytes=$(wc -c < "$T/big.txt")
cat "$T/big.txt" > /dev/null  # warm the page cache
# Three runs; the fastest wall time counts (the machine may be shared). CPU time is the
# child's user + system time as reported by the shell's `times`.
best=""
for run in 1 2 3; do
	start=$(date +%s.%N)
	# shellcheck disable=SC2046
	set -- $(sh -c "\"$FA2\" patterns \"$T/big.txt\" > \"$T/big.table\"; times" | tail -n 1)
	end=$(date +%s.%N)
	cpu=$(printf '%s %s\n' "$1" "$2" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%.3f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }')
	wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", e - s }')
	if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
		best=$wall bestcpu=$cpu
	fi
done
awk -v l="$lines" -v b="$bytes" -v w="$best" -v c="$bestcpu" 'BEGIN {
	printf "throughput %d lines (%.1f MB), best of 3: %.2f s wall, %.2f s CPU -> %.0f lines/s wall, %.0f lines/s CPU\n",
	       l, b / 1e6, w, c, l / w, (c > 0 ? l / c : 0)
}'
echo "templates on the big input: $(sed -n 's/^# [0-9]* lines, \([0-9]*\) templates$/\1/p' "$T/big.table")"
