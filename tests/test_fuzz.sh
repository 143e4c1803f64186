#!/bin/sh
# A short libFuzzer run of every harness in tests/fuzz/ (run by `make test` through
# tests/run.sh): builds them with clang (ASan + UBSan + libFuzzer) and runs each
# for FUZZ_SECONDS seconds (default 3) on its corpus, printing one ok / not ok line
# per target with its executions. The long run is `make fuzz` (docs/reliability.md).
# Without clang and its libFuzzer it prints a skip line and passes.
cd "$(dirname "$0")/.." || exit 1
FUZZ_SECONDS=${FUZZ_SECONDS:-3}
if ! command -v clang >/dev/null 2>&1; then
    echo "ok - # SKIP clang not installed"
    exit 0
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
    >"$probe/p.c"
if ! clang -fsanitize=fuzzer,address,undefined -o "$probe/p" "$probe/p.c" >/dev/null 2>&1; then
    echo "ok - # SKIP clang has no libFuzzer (-fsanitize=fuzzer)"
    exit 0
fi
if ! make -f tests/fuzz/fuzz.mk -j2 build >"$probe/build.log" 2>&1; then
    echo "not ok - fuzz harnesses build: $(grep -m 1 -E 'error' "$probe/build.log")"
    exit 1
fi
echo "ok - fuzz harnesses build"
# Seeds make the short run reach past the parsers' first checks; they need
# ./futurelm and a few seconds, so they are made once and kept in build/fuzz/seeds.
[ -d build/fuzz/seeds ] || sh tests/fuzz/seeds.sh >/dev/null 2>&1 || echo "# seed corpora could not be made; fuzzing without"
targets=$(ls tests/fuzz/fuzz_*.c | sed 's|tests/fuzz/fuzz_\(.*\)\.c|\1|')
# shellcheck disable=SC2086
FUZZ_TAP=1 FUZZ_KEEP_GOING=1 sh tests/fuzz/run.sh "$FUZZ_SECONDS" $targets
