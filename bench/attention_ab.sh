#!/bin/sh
# The attention kernel of the working tree against the one of a git revision,
# timed alternately in one process (bench/bench_attention.c, -DFL_BENCH_AB):
#   sh bench/attention_ab.sh [REV] [REPS]      (REV default HEAD, REPS 21; threads: OMP_NUM_THREADS)
# The old src/kernels/attention.c is compiled with its two entry points renamed;
# it uses the working tree's headers. CC and CFLAGS may be overridden (e.g. an
# AVX2 build: CC="cc -march=haswell" CFLAGS=...).
set -eu
REV=${1:-HEAD}
REPS=${2:-21}
cd "$(dirname "$0")/.."
CC=${CC:-cc}
CFLAGS=${CFLAGS:-"-std=c11 -D_POSIX_C_SOURCE=200809L -O3 -march=native -fno-math-errno -fopenmp -Iinclude -Isrc"}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
git show "$REV:src/kernels/attention.c" >"$T/old_attention.c" || {
    echo "attention_ab.sh: no src/kernels/attention.c at $REV" >&2
    exit 2
}
# shellcheck disable=SC2086 # CFLAGS is a list of flags
$CC $CFLAGS -Dfli_attention_forward=ab_old_attention_forward -Dfli_attention_backward=ab_old_attention_backward \
    -c "$T/old_attention.c" -o "$T/old_attention.o"
# the library and the bench from the working tree, with the same flags
# shellcheck disable=SC2086
for f in src/kernels/attention.c src/util/mem.c; do $CC $CFLAGS -c "$f" -o "$T/$(basename "$f" .c).o"; done
# shellcheck disable=SC2086
$CC $CFLAGS -DFL_BENCH_AB bench/bench_attention.c "$T/attention.o" "$T/mem.o" "$T/old_attention.o" -o "$T/ab" -lm
echo "# new: the working tree; old: $REV ($(git rev-parse --short "$REV"))"
"$T/ab" --reps "$REPS"
