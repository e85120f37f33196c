#!/bin/sh
# itest-timeout: 2400
# itest-background
# `make release` from two clean trees must give byte-identical artifacts:
#   A: a fresh git clone of this checkout (what is committed), online;
#   B: the source tarball A produced, unpacked elsewhere and built OFFLINE (apt-get and
#      the network poisoned), which also proves `make dist` tarballs build air-gapped,
#      aarch64 included.
# Then: A's and B's dist/SHA256SUMS are identical; both binaries are static and stripped;
# the aarch64 one is linked with musl (fa2 --version under qemu says so) and its link
# printed no getaddrinfo warning; a tampered vendor archive or musl package stops the
# build with a clear message. Prints the artifacts' sizes and sums.
set -eu
fail() { echo "FAIL: $*"; exit 1; }
skip() { echo "$*"; exit 77; }

ROOT=${FA2_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
T=${FA2_TMP:-$(mktemp -d)}
for c in git musl-gcc aarch64-linux-gnu-gcc qemu-aarch64-static file; do
	command -v "$c" >/dev/null 2>&1 || skip "$c not installed (tools/setup-deps.sh)"
done
[ -e "$ROOT/.git" ] || skip "not a git checkout: nothing to clone"
VERSION=$(cat "$ROOT/VERSION")
[ -z "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ] ||
	echo "note: uncommitted changes in $ROOT are not part of this test (it clones HEAD)"

# ---- A: a clone, online (the pinned archives already fetched here are reused: they are
# verified against the same sums either way) ----
A="$T/a"
git clone -q "$ROOT" "$A"
mkdir -p "$A/vendor/dl"
for f in $(awk '{ print $2 }' "$ROOT/vendor/SHA256SUMS" "$ROOT/vendor/SHA256SUMS.musl-aarch64"); do
	[ -f "$ROOT/vendor/dl/$f" ] && cp "$ROOT/vendor/dl/$f" "$A/vendor/dl/"
done
t0=$(date +%s)
(cd "$A" && make -j2 release > "$T/release-a.log" 2>&1) || { tail -n 40 "$T/release-a.log"; fail "make release (clone)"; }
echo "A: make release in a clone took $(( $(date +%s) - t0 )) s"
if grep -qi 'getaddrinfo\|statically linked applications requires at runtime' "$T/release-a.log"; then
	grep -i 'getaddrinfo' "$T/release-a.log"
	fail "the static link warned about glibc NSS (getaddrinfo)"
fi
for f in "fa2-$VERSION-$(uname -m)-linux-musl" "fa2-$VERSION-aarch64-linux-musl" "fa2-$VERSION.tar.gz" SHA256SUMS; do
	[ -s "$A/dist/$f" ] || fail "dist/$f missing"
done
for f in "$A/dist/fa2-$VERSION-$(uname -m)-linux-musl" "$A/dist/fa2-$VERSION-aarch64-linux-musl"; do
	info=$(file "$f")
	echo "$info" | grep -q 'statically linked' || fail "not static: $info"
	echo "$info" | grep -q ', stripped' || fail "not stripped: $info"
done
qemu-aarch64-static "$A/dist/fa2-$VERSION-aarch64-linux-musl" --version > "$T/a64-version.txt" ||
	fail "the aarch64 binary does not run under qemu"
cat "$T/a64-version.txt"
grep -q '^libc: musl' "$T/a64-version.txt" || fail "the aarch64 binary is not linked with musl"
grep -q '^target: aarch64-linux-musl (static)' "$T/a64-version.txt" || fail "aarch64 target line"
"$A/dist/fa2-$VERSION-$(uname -m)-linux-musl" --version | grep -q '^libc: musl' || fail "native binary: not musl"
(cd "$A/dist" && sha256sum -c SHA256SUMS > /dev/null) || fail "SHA256SUMS does not match the artifacts"

# ---- B: the tarball, unpacked elsewhere and built offline ----
mkdir -p "$T/b" "$T/bin"
tar -xzf "$A/dist/fa2-$VERSION.tar.gz" -C "$T/b"
B="$T/b/fa2-$VERSION"
[ -f "$B/vendor/dl/musl-dev_1.2.3-1_arm64.deb" ] || fail "the tarball lacks the musl package for offline cross builds"
printf '#!/bin/sh\necho "apt-get called during an offline build" >&2\nexit 1\n' > "$T/bin/apt-get"
chmod +x "$T/bin/apt-get"
OFFLINE="env -i PATH=$T/bin:$PATH HOME=$T http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9"
t0=$(date +%s)
(cd "$B" && $OFFLINE make -j2 release > "$T/release-b.log" 2>&1) || { tail -n 40 "$T/release-b.log"; fail "offline make release from the tarball"; }
echo "B: offline make release from the tarball took $(( $(date +%s) - t0 )) s"
[ ! -d "$B/vendor/.apt" ] && [ ! -d "$B/vendor/.apt-arm64" ] || fail "the offline build tried to fetch"

# ---- reproducible ----
if ! cmp -s "$A/dist/SHA256SUMS" "$B/dist/SHA256SUMS"; then
	diff "$A/dist/SHA256SUMS" "$B/dist/SHA256SUMS" || true
	fail "two clean builds differ"
fi
echo "reproducible: both builds wrote the same SHA256SUMS:"
cat "$A/dist/SHA256SUMS"
for f in $(awk '{ print $2 }' "$A/dist/SHA256SUMS"); do
	printf '  %-36s %9s bytes\n' "$f" "$(wc -c < "$A/dist/$f")"
done

# ---- tampering is refused (B, offline) ----
printf 'x' >> "$B/vendor/dl/cjson_1.7.15.orig.tar.gz"
rm -f "$B/vendor/files.mk"
if (cd "$B" && $OFFLINE make > "$T/tamper.log" 2>&1); then
	fail "build succeeded with a tampered archive"
fi
grep -q 'checksum mismatch for cjson_1.7.15.orig.tar.gz' "$T/tamper.log" ||
	{ cat "$T/tamper.log"; fail "no clear message for the tampered archive"; }
cp "$A/vendor/dl/cjson_1.7.15.orig.tar.gz" "$B/vendor/dl/"
printf 'x' >> "$B/vendor/dl/musl-dev_1.2.3-1_arm64.deb"
rm -rf "$B/vendor/musl-aarch64"
if (cd "$B" && $OFFLINE make cross > "$T/tamper-musl.log" 2>&1); then
	fail "cross build succeeded with a tampered musl package"
fi
grep -q 'checksum mismatch for musl-dev_1.2.3-1_arm64.deb' "$T/tamper-musl.log" ||
	{ cat "$T/tamper-musl.log"; fail "no clear message for the tampered musl package"; }
echo "release ok: reproducible, static, musl on both architectures; offline build from the tarball; tampering refused"
