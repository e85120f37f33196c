#!/bin/sh
# The compiled-in prompts (src/agent/prompts_data.c) match prompts/: regenerate with
# tools/embed-prompts.sh prompts > src/agent/prompts_data.c when this fails.
set -eu
cd "$FA2_ROOT"
sh tools/embed-prompts.sh prompts > "$FA2_TMP/prompts_data.c"
if ! cmp -s "$FA2_TMP/prompts_data.c" src/agent/prompts_data.c; then
	echo "FAIL: src/agent/prompts_data.c is stale; run: tools/embed-prompts.sh prompts > src/agent/prompts_data.c"
	diff "$FA2_TMP/prompts_data.c" src/agent/prompts_data.c | head -n 20
	exit 1
fi
# Every language has the same set of templates.
en=$(cd prompts/en && ls | sort | tr '\n' ' ')
ja=$(cd prompts/ja && ls | sort | tr '\n' ' ')
[ "$en" = "$ja" ] || { echo "FAIL: prompts/en ($en) and prompts/ja ($ja) differ"; exit 1; }
echo "prompts in sync: $en"
