#!/bin/sh
# make release: dist/ with the stripped static binaries, the source tarball and SHA256SUMS.
#
# Usage: tools/release.sh VERSION BINARY ARCH STRIP [BINARY ARCH STRIP ...]
#
# Each BINARY is stripped with its STRIP into dist/fa2-VERSION-ARCH-linux-musl; the source
# tarball comes from tools/dist.sh; SHA256SUMS lists every artifact by name. Everything
# is reproducible: strip and the tarball are deterministic and the binaries carry no
# time or build path, so two clean builds give the same SHA256SUMS.
set -eu
VERSION=$1
shift
mkdir -p dist
rm -f dist/SHA256SUMS dist/fa2-"$VERSION"-*-linux-musl
while [ $# -ge 3 ]; do
	bin=$1 arch=$2 strip=$3
	shift 3
	out="dist/fa2-$VERSION-$arch-linux-musl"
	"$strip" -o "$out" "$bin"
	file "$out" | grep -q 'statically linked' || { file "$out"; echo "release: $out is not static" >&2; exit 1; }
done
[ $# -eq 0 ] || { echo "release: arguments come in threes (BINARY ARCH STRIP)" >&2; exit 2; }
tools/dist.sh "$VERSION" >/dev/null
(cd dist && for f in fa2-"$VERSION"-*-linux-musl "fa2-$VERSION.tar.gz"; do sha256sum "$f"; done |
	LC_ALL=C sort -k2 > SHA256SUMS)
for f in $(cut -d' ' -f3 dist/SHA256SUMS); do
	printf 'release: dist/%-36s %9s bytes\n' "$f" "$(wc -c < "dist/$f")"
done
echo "release: dist/SHA256SUMS"
cat dist/SHA256SUMS
