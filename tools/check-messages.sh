#!/bin/sh
# tools/check-messages.sh [ROOT]: the message catalog (prompts/<lang>/messages, see
# src/base/msg.h) is complete and consistent:
#   - every line is a comment, blank, or "key = text" with a key of [a-z0-9_.];
#   - no key twice in a file; only \n and \\ escapes in texts;
#   - en and ja have the same keys, and each key's texts the same printf placeholders
#     in the same order;
#   - every fa2_msg(LANG, "key") in src/ names a key of the catalog (keys must be string
#     literals: a fa2_msg call whose second argument is not a literal is reported too).
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
echo "$(wc -l < "$tmp/en.k" | tr -d ' ') keys, $(wc -l < "$tmp/calls" | tr -d ' ') calls checked"
[ "$fail" = 0 ] || exit 1
