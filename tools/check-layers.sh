#!/bin/sh
# tools/check-layers.sh [ROOT]: the include rules of src/ (DESIGN.md section 3).
#
# Layers, lowest first; a file may include its own layer, an equal one (aws and llm,
# agent, triage and doc are peers) or a lower one, never a higher one:
#   base < crypto < net < aws = llm < agent = triage = doc = store < slack < serve < cmd
# Two more rules:
#   - nothing outside src/cmd includes src/cmd (cmd is argument parsing and output);
#   - src/slack is the Slack protocol library: it includes no agent, triage, doc (nor,
#     by the order, serve or cmd).
# Every "X/..." include of every .c and .h under src/ is checked. Prints one FAIL line
# per broken rule and ends with "N passed, N failed" (a file passes when all of its
# includes do); exit status 1 when anything failed.
set -u
ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$ROOT" || exit 2

# Known upward includes another branch removes (the `api` helper: cmd/version.h moves to
# base, cmd/agent_run.h and cmd/cmds_run.h give way to the agent's analysis API). Each
# line: FILE INCLUDE. The integrator empties this list after merging that branch; a line
# that no longer matches anything is reported so that the list cannot go stale.
ALLOW='
'

find src -name '*.[ch]' | LC_ALL=C sort | while read -r f; do
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[a-z][a-z]*/' "$f" |
		sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1 \2/' |
		while read -r line inc; do echo "$f $line $inc"; done
	echo "$f - -"  # every file appears, also without includes
done | awk -v allow="$ALLOW" '
function rank(d) {
	if (d == "base") return 0
	if (d == "crypto") return 1
	if (d == "net") return 2
	if (d == "aws" || d == "llm") return 3
	if (d == "agent" || d == "triage" || d == "doc" || d == "store") return 4
	if (d == "slack") return 5
	if (d == "serve") return 6
	if (d == "cmd") return 7
	return -1
}
BEGIN {
	n = split(allow, rows, "\n")
	for (i = 1; i <= n; i++)
		if (rows[i] != "") { ok[rows[i]] = 1; used[rows[i]] = 0 }
}
{
	file = $1; line = $2; inc = $3
	seen[file] = 1
	if (line == "-")
		next
	split(file, p, "/"); from = p[2]
	split(inc, q, "/"); to = q[1]
	rf = rank(from); rt = rank(to)
	why = ""
	if (rf < 0)
		why = "src/" from " is not a known layer (add it to tools/check-layers.sh and DESIGN.md)"
	else if (rt < 0)
		next  # not one of ours (vendor headers such as cJSON.h have no directory)
	else if (to == "cmd" && from != "cmd")
		why = "only src/cmd may include src/cmd"
	else if (rt > rf)
		why = "layer " from " may not include the higher layer " to
	else if (from == "slack" && (to == "agent" || to == "triage" || to == "doc"))
		why = "src/slack is the Slack protocol library: no " to " includes"
	if (why == "")
		next
	key = file " " inc
	if (key in ok) { used[key] = 1; next }
	printf "FAIL %s:%s: includes \"%s\": %s\n", file, line, inc, why
	bad[file] = 1
}
END {
	for (k in used)
		if (!used[k]) {
			printf "FAIL allow-list line \"%s\" matches no include any more: remove it\n", k
			stale++
		}
	for (f in seen) { if (f in bad) nf++; else np++ }
	printf "%d passed, %d failed\n", np, nf + stale
	exit (nf + stale) ? 1 : 0
}'
