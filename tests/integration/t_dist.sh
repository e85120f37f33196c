#!/bin/sh
# `make dist` produces a tarball that builds with no network: unpack it in a scratch
# directory, poison the network (proxy to a closed port, no apt-get on PATH) and build.
set -eu
cd "$FA2_ROOT"
make -s dist > "$FA2_TMP/dist.log"
tarball=$(ls dist/fa2-*.tar.gz | head -n 1)
[ -f "$tarball" ] || { echo "no tarball"; exit 1; }
tar -xzf "$tarball" -C "$FA2_TMP"
dir=$(ls -d "$FA2_TMP"/fa2-*/)
# git must not be needed, nor any .c/.h file outside vendor/ be missing.
[ -f "$dir/vendor/dl/cjson_1.7.15.orig.tar.gz" ] || { echo "vendor archives missing"; exit 1; }
mkdir -p "$FA2_TMP/bin"
# apt-get that fails loudly: an offline build must never need it.
printf '#!/bin/sh\necho "apt-get called during an offline build" >&2\nexit 1\n' > "$FA2_TMP/bin/apt-get"
chmod +x "$FA2_TMP/bin/apt-get"
OFFLINE_PATH="$FA2_TMP/bin:$PATH"
( cd "$dir" && env -i PATH="$OFFLINE_PATH" HOME="$FA2_TMP" http_proxy=http://127.0.0.1:9 \
	https_proxy=http://127.0.0.1:9 make -j2 > "$FA2_TMP/build.log" 2>&1 ) || {
	tail -n 30 "$FA2_TMP/build.log"; echo "offline build failed"; exit 1; }
[ ! -d "$dir/vendor/.apt" ] || { echo "the offline build tried to fetch"; exit 1; }
"$dir/build/fa2" --version | grep -q '^fa2 ' || { echo "built binary does not run"; exit 1; }
# A tampered archive stops the build with a clear message.
printf 'x' >> "$dir/vendor/dl/cjson_1.7.15.orig.tar.gz"
rm -f "$dir/vendor/files.mk"
if ( cd "$dir" && env -i PATH="$OFFLINE_PATH" HOME="$FA2_TMP" make > "$FA2_TMP/tamper.log" 2>&1 ); then
	echo "build succeeded with a tampered archive"; exit 1
fi
grep -q 'checksum mismatch for cjson_1.7.15.orig.tar.gz' "$FA2_TMP/tamper.log" ||
	{ cat "$FA2_TMP/tamper.log"; echo "no clear message for the tampered archive"; exit 1; }
echo "dist ok: $(basename "$tarball") builds offline; tampering is refused"
