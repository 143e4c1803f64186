#!/bin/sh
# The program at the top of include/futurelm.h is complete and true: extracted from
# the header, built against libfuturelm.a with nothing but the public header, it
# trains (the loss falls), saves a checkpoint that loads back, and generates.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
BUILD=${FL_BUILD:-build/opt}
LIB=$BUILD/libfuturelm.a
[ -f "$LIB" ] || { bad "library $LIB exists (build it with make)"; exit 1; }
sed -n '/^ \* EXAMPLE BEGIN$/,/^ \* EXAMPLE END$/p' include/futurelm.h | sed -e '1d' -e '$d' -e 's/^ \* \{0,1\}//' >"$T/example.c"
check "the header holds the example" '[ "$(wc -l <"$T/example.c")" -gt 30 ]'
CC=${CC:-cc}
if $CC -std=c11 -Wall -Wextra -Werror -Iinclude -o "$T/example" "$T/example.c" "$LIB" -fopenmp -lm 2>"$T/cc"; then
    ok "the example compiles with -Wall -Wextra -Werror against futurelm.h alone"
else
    bad "the example compiles: $(head -c 600 "$T/cc")"
    exit 1
fi
(cd "$T" && ./example >out 2>err)
rc=$?
if [ $rc -eq 0 ]; then ok "the example runs (exit 0)"; else bad "the example runs: exit $rc: $(head -c 400 "$T/err")"; fi
first=$(sed -n 's/^step 1 loss \([0-9.]*\).*/\1/p' "$T/out")
last=$(sed -n 's/^step 30 loss \([0-9.]*\).*/\1/p' "$T/out")
check "its loss falls over 30 AdamW steps ($first -> $last)" \
    "[ -n \"$first\" ] && [ -n \"$last\" ] && node -e 'process.exit(+process.argv[1] < 0.8 * +process.argv[2] ? 0 : 1)' \"$last\" \"$first\""
check "it generates 12 tokens" '[ "$(sed -n "s/^generated//p" "$T/out" | wc -w)" -eq 12 ]'
$FL info "$T/example_ckpt" >"$T/info" 2>&1
check "its checkpoint opens with futurelm info" 'grep -q "ftp" "$T/info"'
