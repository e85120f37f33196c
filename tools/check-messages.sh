#!/bin/sh
# tools/check-messages.sh [ROOT]: the message catalog (prompts/<lang>/messages, see
# src/base/msg.h) is complete and consistent:
#   - every line is a comment, blank, or "key = text" with a key of [a-z0-9_.];
#   - no key twice in a file; only \n and \\ escapes in texts;
#   - en and ja have the same keys, and each key's texts the same printf placeholders
#     in the same order;
#   - every fa2_msg(LANG, "key") in src/ names a key of the catalog (keys must be string
#     literals: a fa2_msg call whose second argument is not a literal is reported too);
#   - in the files converted to the catalog (CATALOG_ONLY below) no user-visible text
#     bypasses it: no string literal with Japanese in it (kana, kanji, CJK or fullwidth
#     punctuation: it belongs in the catalog), no inline choice between texts
#     (FA2_SLACK_L(, "FA2_LANG_JA ? \"text\"", "ja ? \"text\""), and
#     no string literal with a word in it as the text argument of the functions that
#     put text in front of people (Slack post/update/upload/ephemeral, Block Kit text
#     objects). Comments are not looked at.
# Prints one FAIL line per problem and "N keys, N calls checked"; exit status 1 on failure.
set -u
ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$ROOT" || exit 2
fail=0
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

for lang in en ja; do
	f=prompts/$lang/messages
	[ -f "$f" ] || { echo "FAIL: $f is missing"; fail=1; continue; }
	awk -v f="$f" '
	/^#/ || /^[ \t]*$/ { next }
	{
		if (!match($0, /^[a-z0-9_.]+[ \t]*=/)) { print "FAIL: " f ":" NR ": not \"key = text\""; bad = 1; next }
		key = $0; sub(/[ \t]*=.*$/, "", key)
		text = substr($0, RLENGTH + 1); sub(/^ /, "", text)
		if (key in seen) { print "FAIL: " f ":" NR ": key " key " again (first on line " seen[key] ")"; bad = 1 }
		seen[key] = NR
		t = text; gsub(/\\\\/, "", t); gsub(/\\n/, "", t)
		if (index(t, "\\")) { print "FAIL: " f ":" NR ": " key ": only \\n and \\\\ escapes are allowed"; bad = 1 }
		ph = ""; t = text; gsub(/%%/, "", t)
		while (match(t, /%[-+ #0-9.*]*[hljztL]*[a-zA-Z]/)) { ph = ph substr(t, RSTART, RLENGTH); t = substr(t, RSTART + RLENGTH) }
		print key "\t" ph > "/dev/stderr"
	}
	END { exit bad }' "$f" 2> "$tmp/$lang.keys" || fail=1
	LC_ALL=C sort -o "$tmp/$lang.keys" "$tmp/$lang.keys"
done
cut -f1 "$tmp/en.keys" > "$tmp/en.k"
cut -f1 "$tmp/ja.keys" > "$tmp/ja.k"
LC_ALL=C comm -23 "$tmp/en.k" "$tmp/ja.k" | sed 's/^/FAIL: key missing in ja: /'
LC_ALL=C comm -13 "$tmp/en.k" "$tmp/ja.k" | sed 's/^/FAIL: key missing in en: /'
cmp -s "$tmp/en.k" "$tmp/ja.k" || fail=1
LC_ALL=C join -t '	' "$tmp/en.keys" "$tmp/ja.keys" |
	awk -F '\t' '$2 != $3 { print "FAIL: " $1 ": placeholders differ: en \"" $2 "\", ja \"" $3 "\""; bad = 1 }
	END { exit bad }' || fail=1

# The calls: join each file into one line so that calls spanning lines are seen.
find src -name '*.[ch]' ! -path src/base/msg.c ! -path src/base/msg.h ! -path src/base/msg_data.c |
	LC_ALL=C sort | while read -r f; do
	tr '\n' ' ' < "$f" | grep -o 'fa2_msg([^;]*' | sed "s|^|$f	|"
done > "$tmp/calls"
ncalls=0
while IFS='	' read -r f call; do
	ncalls=$((ncalls + 1))
	key=$(printf '%s\n' "$call" | sed -n 's/^fa2_msg([^",]*\(([^()"]*)\)\{0,1\}[^",]*,[ 	]*"\([a-z0-9_.]*\)").*/\2/p')
	if [ -z "$key" ]; then
		echo "FAIL: $f: fa2_msg call without a literal key: $(printf '%.80s' "$call")"
		fail=1
	elif ! grep -qx "$key" "$tmp/en.k"; then
		echo "FAIL: $f: key $key is not in the catalog"
		fail=1
	fi
done < "$tmp/calls"

# Files whose user-visible texts all come from the catalog.
CATALOG_ONLY="src/serve/app.c src/serve/progress.c src/serve/graphs.c
	src/serve/commands.c src/agent/run.c src/agent/agent.c src/agent/report.c src/agent/insight.c
	src/cmd/agent_run.c src/cmd/cmd_check.c src/triage/render.c"
# Text-taking functions and the 0-based positions of their text arguments.
TEXT_FUNCS="fa2_slack_post_message:3 fa2_slack_update_message:3 fa2_slack_text_obj:1
	complete_ephemeral:1 fa2_slack_upload_file:4,5 tell_failure:4"
japanese=$(printf '"[^"]*\\(\343\\|\344\\|\345\\|\346\\|\347\\|\350\\|\351\\|\357\274\\|\357\275\\)')
nfiles=0
for f in $CATALOG_ONLY; do
	[ -f "$f" ] || continue
	nfiles=$((nfiles + 1))
	# the file without comments (line numbers kept), strings left in place
	awk '{
		out = ""; s = $0
		while (s != "") {
			if (incom) {
				i = index(s, "*/"); if (!i) { s = ""; break }
				s = substr(s, i + 2); incom = 0; continue
			}
			if (match(s, /"([^"\\]|\\.)*"|\/\*|\/\//)) {
				tok = substr(s, RSTART, RLENGTH)
				out = out substr(s, 1, RSTART - 1)
				s = substr(s, RSTART + RLENGTH)
				if (tok == "/*") incom = 1
				else if (tok == "//") s = ""
				else out = out tok
			} else { out = out s; s = "" }
		}
		print out
	}' "$f" > "$tmp/nocom"
	LC_ALL=C grep -n "$japanese" "$tmp/nocom" | while IFS=: read -r ln rest; do
		echo "FAIL: $f:$ln: Japanese text outside the catalog: $(printf '%.70s' "$rest" | sed 's/^[[:space:]]*//')"
	done
	LC_ALL=C grep -n 'FA2_SLACK_L(\|\(FA2_LANG_JA\|[^A-Za-z0-9_!]ja\)[ )]*? *"' "$tmp/nocom" |
		grep -v '? *"[a-z][a-z]" *:' |
		while IFS=: read -r ln rest; do
		echo "FAIL: $f:$ln: an inline language choice (use fa2_msg): $(printf '%.70s' "$rest" | sed 's/^[[:space:]]*//')"
	done
	tr '\n' ' ' < "$tmp/nocom" | LC_ALL=C awk -v f="$f" -v funcs="$TEXT_FUNCS" '
	BEGIN { n = split(funcs, fl, /[ \t\n]+/) }
	{
		for (k = 1; k <= n; k++) {
			if (fl[k] == "") continue
			split(fl[k], fp, ":"); name = fp[1]; npos = split(fp[2], pos, ",")
			s = $0
			while ((i = index(s, name "(")) > 0) {
				pre = i > 1 ? substr(s, i - 1, 1) : " "
				s = substr(s, i + length(name) + 1)
				if (pre ~ /[A-Za-z0-9_]/) continue
				# split the arguments at top-level commas
				depth = 0; arg = 0; cur = ""; delete args; j = 1; L = length(s)
				while (j <= L) {
					c = substr(s, j, 1)
					if (c == "\"") {
						if (match(substr(s, j), /^"([^"\\]|\\.)*"/)) { cur = cur substr(s, j, RLENGTH); j += RLENGTH; continue }
					}
					if (c == "(" || c == "[" || c == "{") depth++
					else if (c == ")" || c == "]" || c == "}") { if (depth == 0) break; depth-- }
					else if (c == "," && depth == 0) { args[arg++] = cur; cur = ""; j++; continue }
					cur = cur c; j++
				}
				args[arg++] = cur
				if (index(cur, "{") && name == "fa2_slack_post_message") continue
				for (p = 1; p <= npos; p++) {
					a = args[pos[p]]
					gsub(/fa2_msg\([^()"]*(\([^()]*\))?[^()"]*,[ \t]*"[a-z0-9_.]*"\)/, "", a)
					t = a
					while (match(t, /"([^"\\]|\\.)*"/)) {
						lit = substr(t, RSTART, RLENGTH); t = substr(t, RSTART + RLENGTH)
						if (lit ~ /[A-Za-z][A-Za-z]/) {
							print "FAIL: " f ": " name " takes the literal " substr(lit, 1, 60) " (use fa2_msg)"
							bad = 1
						}
					}
				}
			}
		}
	}
	END { exit bad }' || fail=1
done > "$tmp/only"
cat "$tmp/only"
grep -q '^FAIL' "$tmp/only" && fail=1
echo "$(wc -l < "$tmp/en.k" | tr -d ' ') keys, $(wc -l < "$tmp/calls" | tr -d ' ') calls, $nfiles catalog-only files checked"
[ "$fail" = 0 ] || exit 1
