#!/bin/sh
# What `make install` and `make uninstall` run (PREFIX default /usr/local; DESTDIR for staging):
#   scripts/install.sh BUILD_DIR PREFIX [DESTDIR]              install the build of BUILD_DIR
#   scripts/install.sh --uninstall PREFIX [DESTDIR]            remove what install put there
# Installs PREFIX/bin/futurelm, PREFIX/lib/libfuturelm.a, PREFIX/include/futurelm.h,
# PREFIX/lib/pkgconfig/futurelm.pc (Libs: the link flags BUILD_DIR's binary was linked
# with, from BUILD_DIR/link-flags, so OpenMP/libm/BLAS match the library), the manual
# PREFIX/share/man/man1/futurelm.1 generated from the binary's --help texts, and
# PREFIX/share/futurelm/get-data.sh (the fetcher `futurelm fetch` runs).
set -eu
die() {
    echo "install: error: $*" >&2
    exit 1
}
FILES="bin/futurelm lib/libfuturelm.a include/futurelm.h lib/pkgconfig/futurelm.pc share/man/man1/futurelm.1
share/futurelm/get-data.sh"

if [ "${1:-}" = --uninstall ]; then
    PREFIX=${2:?usage: scripts/install.sh --uninstall PREFIX [DESTDIR]}
    DEST=${3:-}$PREFIX
    for f in $FILES; do
        if [ -e "$DEST/$f" ]; then rm -f "$DEST/$f" && echo "removed $DEST/$f"; fi
    done
    rmdir "$DEST/share/futurelm" 2>/dev/null || true # only when nothing else is left in it
    exit 0
fi

BUILD=${1:?usage: scripts/install.sh BUILD_DIR PREFIX [DESTDIR]}
PREFIX=${2:?usage: scripts/install.sh BUILD_DIR PREFIX [DESTDIR]}
DEST=${3:-}$PREFIX
case $PREFIX in /*) ;; *) die "PREFIX must be an absolute path (got '$PREFIX')" ;; esac
SRC=$(cd "$(dirname "$0")/.." && pwd)
for f in "$BUILD/futurelm" "$BUILD/libfuturelm.a" "$BUILD/link-flags"; do
    [ -f "$f" ] || die "$f is missing: build first (make)"
done

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# Everything is made before anything is copied, so a failure installs nothing.
sh "$SRC/scripts/make-man.sh" "$BUILD/futurelm" >"$TMP/futurelm.1" || die "cannot generate the manual from $BUILD/futurelm --help"
version=$("$BUILD/futurelm" --version | head -n 1 | awk '{ print $2 }')
cat >"$TMP/futurelm.pc" <<PC
prefix=$PREFIX
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: futurelm
Description: GPT and FTP (future token prediction) language models in C11: train, sample, evaluate
Version: ${version:-0}
Cflags: -I\${includedir}
Libs: -L\${libdir} -lfuturelm $(cat "$BUILD/link-flags")
PC

install -d "$DEST/bin" "$DEST/lib/pkgconfig" "$DEST/include" "$DEST/share/man/man1" "$DEST/share/futurelm"
install -m 755 "$BUILD/futurelm" "$DEST/bin/futurelm"
install -m 644 "$BUILD/libfuturelm.a" "$DEST/lib/libfuturelm.a"
install -m 644 "$SRC/include/futurelm.h" "$DEST/include/futurelm.h"
install -m 644 "$TMP/futurelm.pc" "$DEST/lib/pkgconfig/futurelm.pc"
install -m 644 "$TMP/futurelm.1" "$DEST/share/man/man1/futurelm.1"
install -m 755 "$SRC/scripts/get-data.sh" "$DEST/share/futurelm/get-data.sh"
for f in $FILES; do echo "installed $DEST/$f"; done
