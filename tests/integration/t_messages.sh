#!/bin/sh
# The message catalog: src/base/msg_data.c matches prompts/<lang>/messages (regenerate with
# tools/embed-prompts.sh --messages prompts > src/base/msg_data.c when this fails), and
# tools/check-messages.sh passes (same keys and placeholders in en and ja, every key used
# in src/ present). Also checks that the checker catches a missing key, and a user-visible
# literal planted in a catalog-only file: an English text posted to Slack, a Japanese
# literal, an inline en/ja choice.
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
# A user-visible literal that bypasses the catalog in a catalog-only file must fail.
plant() { # name, file, sed script, expected FAIL text
	rm -rf "$FA2_TMP/pl"
	mkdir -p "$FA2_TMP/pl"
	cp -r prompts src tools "$FA2_TMP/pl/"
	sed -i "$3" "$FA2_TMP/pl/$2"
	if cmp -s "$2" "$FA2_TMP/pl/$2"; then echo "FAIL: plant $1: the sed script changed nothing"; exit 1; fi
	if sh tools/check-messages.sh "$FA2_TMP/pl" > "$FA2_TMP/pl.out"; then
		echo "FAIL: check-messages.sh passed with $1 planted in $2"
		exit 1
	fi
	grep -q "$4" "$FA2_TMP/pl.out" || { echo "FAIL: plant $1: no '$4' line"; cat "$FA2_TMP/pl.out"; exit 1; }
	echo "ok: planted $1 in $2 is reported"
}
plant "an English text posted to Slack" src/serve/app.c \
	's|fa2_msg(lang, "serve.app.analyse_this_alarm_with_fa2")|"Analyse this alarm with fa2?"|' \
	'fa2_slack_post_message takes the literal "Analyse this alarm'
plant "a Japanese literal" src/agent/run.c \
	's|fa2_msg(lang, "agent.run.concerns")|"対象: %s\\n"|' 'Japanese text outside the catalog'
plant "an inline en/ja choice" src/agent/insight.c \
	's|fa2_msg(r->lang, "agent.insight.metrics")|r->lang == FA2_LANG_JA ? "metrics: " : ". Metrics: "|' \
	'an inline language choice'
plant "a literal Block Kit text" src/serve/commands.c \
	's|fa2_msg(lang, "serve.cmd.ask")|"Ask"|' 'fa2_slack_text_obj takes the literal "Ask"'
echo "message catalog in sync"
