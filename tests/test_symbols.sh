#!/bin/sh
# Every symbol libfuturelm.a exports carries the project's prefix, so linking the
# library into a host program can never collide with the host's own names:
# fl_ for the public API (include/futurelm.h) and the library's modules, fli_ for
# internal kernels and layers. Also: every function the public header declares is
# defined in the library (a declaration without a body would fail only at a
# user's link step).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
LIB=${FL_BUILD:-build/opt}/libfuturelm.a
if ! command -v nm >/dev/null 2>&1; then
    echo "ok - # SKIP nm is not installed (binutils)"
    exit 0
fi
[ -f "$LIB" ] || { bad "library $LIB exists (build it with make)"; exit 1; }
nm -g --defined-only "$LIB" 2>/dev/null | awk 'NF == 3 { print $3 }' | sort -u >"$T/syms"
[ -s "$T/syms" ] && ok "nm lists the library's exported symbols ($(wc -l <"$T/syms"))" || bad "nm lists the library's exported symbols"
grep -Ev '^fli?_' "$T/syms" >"$T/bad" || true
if [ -s "$T/bad" ]; then bad "every exported symbol starts with fl_ or fli_: unprefixed $(tr '\n' ' ' <"$T/bad")"
else ok "every exported symbol starts with fl_ or fli_"; fi
# Function names declared in the public header: an identifier followed by '(' at the
# start of a declaration line (return type first), excluding macros and comments.
sed -e 's|/\*.*\*/||g' include/futurelm.h | grep -E '^[a-z_][a-z0-9_ *]* \**fl_[a-z0-9_]+\(' |
    sed -E 's/.*[ *](fl_[a-z0-9_]+)\(.*/\1/' | sort -u >"$T/decl"
comm -23 "$T/decl" "$T/syms" >"$T/missing"
if [ -s "$T/missing" ]; then bad "every function futurelm.h declares is defined: missing $(tr '\n' ' ' <"$T/missing")"
else ok "every function futurelm.h declares is defined in the library ($(wc -l <"$T/decl") declared)"; fi
