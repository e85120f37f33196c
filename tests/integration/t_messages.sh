#!/bin/sh
# The message catalog: src/base/msg_data.c matches prompts/<lang>/messages (regenerate with
# tools/embed-prompts.sh --messages prompts > src/base/msg_data.c when this fails), and
# tools/check-messages.sh passes (same keys and placeholders in en and ja, every key used
# in src/ present). Also checks that the checker catches a missing key.
set -eu
cd "$FA2_ROOT"
sh tools/embed-prompts.sh --messages prompts > "$FA2_TMP/msg_data.c"
if ! cmp -s "$FA2_TMP/msg_data.c" src/base/msg_data.c; then
	echo "FAIL: src/base/msg_data.c is stale; run: tools/embed-prompts.sh --messages prompts > src/base/msg_data.c"
	diff "$FA2_TMP/msg_data.c" src/base/msg_data.c | head -n 20
	exit 1
fi
sh tools/check-messages.sh
# The checker must fail on a catalog with a key dropped from ja.
mkdir -p "$FA2_TMP/cat/prompts/en" "$FA2_TMP/cat/prompts/ja" "$FA2_TMP/cat/src"
cp prompts/en/messages "$FA2_TMP/cat/prompts/en/messages"
sed '$d' prompts/ja/messages > "$FA2_TMP/cat/prompts/ja/messages"
if sh tools/check-messages.sh "$FA2_TMP/cat" > "$FA2_TMP/cat.out"; then
	echo "FAIL: check-messages.sh passed a catalog with a key missing in ja"
	exit 1
fi
grep -q 'key missing in ja' "$FA2_TMP/cat.out" || { echo "FAIL: no missing-key line"; cat "$FA2_TMP/cat.out"; exit 1; }
echo "message catalog in sync"
