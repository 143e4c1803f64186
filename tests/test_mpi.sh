#!/bin/sh
# Data-parallel training on Open MPI (docs/distributed.md), on one host:
# K = 2 ranks against one process with train.grad_accum = 2 (GPT and FTP, 50
# steps, losses within 1e-6 relative, the worst printed), bit-reproducibility,
# resume with the same and a different K, a rank killed mid-run, and the
# start-up refusals. Builds the MPI variant itself (make MPI=1); skips with a
# reason where Open MPI is not installed, unless FL_REQUIRE_MPI is set (CI).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
. tests/mpi_lib.sh
# futurelm.pc's Libs (build/opt-mpi/link-flags): a program linking the MPI build's library with
# plain cc needs the MPI library mpicc adds on its own
sed -n '/^ \* EXAMPLE BEGIN$/,/^ \* EXAMPLE END$/p' include/futurelm.h | sed -e '1d' -e '$d' -e 's/^ \* \{0,1\}//' >"$T/example.c"
# shellcheck disable=SC2046 # the flags are a word list
cc -std=c11 -Iinclude -o "$T/example" "$T/example.c" build/opt-mpi/libfuturelm.a $(cat build/opt-mpi/link-flags) 2>"$T/cc"
check "the MPI build's recorded link flags link a program with plain cc (they name -lmpi)" \
    '[ $? = 0 ] && grep -q -- "-lmpi" build/opt-mpi/link-flags'

# A fixed corpus, not tiny_corpus (the repository's own files): how far two float summation orders
# drift apart over 50 steps depends on the data, so the measured worst must not move as the sources
# do. 60 documents of 300 words drawn by a fixed linear congruential generator from 120 words.
mkdir -p "$T/docs"
awk -v T="$T" 'BEGIN {
    split("the of and to in a is that for it as was with be by on not he this are or his from at which but have an had they you were their one all we can her has there been if more when will would who so no she other its may these what them than some him time into only do could new about two first then also any like now my such most made over did after well", W, " ")
    x = 12345
    for (d = 1; d <= 60; d++) {
        f = sprintf("%s/docs/doc%02d.txt", T, d); line = ""
        for (i = 1; i <= 300; i++) {
            x = (x * 1103515245 + 12345) % 2147483648
            line = line W[1 + int(x / 65536) % 120] (i % 12 ? " " : ".\n")
        }
        printf "%s\n", line > f; close(f)
    }
}'
{ "$FL" tokenizer train --vocab-size 400 --input "$T/docs" --out "$T/tok.tiktoken" >/dev/null 2>&1 &&
    "$FL" prepare --tokenizer "$T/tok.tiktoken" --input "$T/docs" --out "$T/data" --val-fraction 0.2 >/dev/null 2>&1; } ||
    { bad "prepare the fixed test corpus"; exit 1; }
S="--set model.vocab_size=400 --set model.block_size=32 --set model.n_layer=2 --set model.n_head=2
   --set model.n_embd=32 --set train.batch_size=4 --set train.warmup_steps=5 --set train.max_steps=50
   --set train.eval_every=25 --set train.ckpt_every=25 --set train.eval_batches=3 --set train.lr=3e-3
   --set train.threads=1"
FTP="--model ftp --set ftp.n_future=3 --set ftp.pseudo_len=2 --set ftp.dec_layers=1"

# shellcheck disable=SC2086
{
    mpi 2 "$FL" train --data "$T/data" --out "$T/plain" $S >"$T/plain.log" 2>&1
    check "the default build under mpirun -np 2 is refused: it names 'make MPI=1'" \
        '[ $? -ne 0 ] && grep -q "built without MPI.*make MPI=1" "$T/plain.log" && [ ! -e "$T/plain/metrics.jsonl" ]'

    "$FL" train --data "$T/data" --out "$T/ga-default" $S --set train.grad_accum=2 >/dev/null 2>&1
    for m in gpt ftp; do
        extra=""
        [ $m = ftp ] && extra=$FTP
        "$MF" train --data "$T/data" --out "$T/$m-ga2" $S $extra --set train.grad_accum=2 >/dev/null 2>&1 &&
            mpi 2 "$MF" train --data "$T/data" --out "$T/$m-k2" $S $extra >"$T/$m-k2.log" 2>&1
        check "$m: 2 ranks and grad_accum=2 both run 50 steps" '[ $? = 0 ]' || tail -5 "$T/$m-k2.log"
        w=$(metrics_diff "$T/$m-ga2/metrics.jsonl" "$T/$m-k2/metrics.jsonl" 0 rel)
        echo "# $m: worst relative loss difference, 2 ranks vs grad_accum=2, 50 steps + 2 evaluations: $w"
        check "$m: 2 ranks give the losses of grad_accum=2 within 1e-6 relative (worst $w)" \
            '[ -n "$w" ] && [ "$(echo "$w" | awk "{print (\$1 <= 1e-6)}")" = 1 ]'
    done
    # 3 ranks (an odd ring, uneven chunks, 3 validation batches over 3 ranks) of 2 micro-batches
    # each, and per-rank thread counts that differ, against 1 process of 6 micro-batches
    S3="$S --set train.max_steps=20 --set train.eval_every=10 --set train.ckpt_every=10 --set train.grad_accum=2"
    "$MF" train --data "$T/data" --out "$T/ga6" $S3 $FTP --set train.grad_accum=6 >/dev/null 2>&1 &&
        mpi 2 "$MF" train --data "$T/data" --out "$T/k3" $S3 $FTP : -np 1 "$MF" train --data "$T/data" \
            --out "$T/k3" $S3 $FTP --set train.threads=2 >"$T/k3.log" 2>&1
    w=$(metrics_diff "$T/ga6/metrics.jsonl" "$T/k3/metrics.jsonl" 0 rel)
    check "ftp: 3 ranks x grad_accum 2 (threads 1, 1, 2) give grad_accum 6's losses within 1e-6 (worst $w)" \
        '[ -n "$w" ] && [ "$(echo "$w" | awk "{print (\$1 <= 1e-6)}")" = 1 ]' || tail -5 "$T/k3.log"
    # fine-tuning x data parallelism: frozen tensors (zero gradients on every rank) stay out of the
    # summed gradient's clip, the scaled lrs apply after the sum; 2 ranks must train as grad_accum=2 does
    SF="$S --set train.max_steps=20 --set train.eval_every=10 --set train.ckpt_every=10 --set train.grad_clip=0.05
        --set train.freeze_layers=1 --set train.layer_lr_decay=0.5"
    "$MF" train --data "$T/data" --out "$T/fz-ga2" $SF --set train.grad_accum=2 >/dev/null 2>&1 &&
        mpi 2 "$MF" train --data "$T/data" --out "$T/fz-k2" $SF >"$T/fz-k2.log" 2>&1
    w=$(metrics_diff "$T/fz-ga2/metrics.jsonl" "$T/fz-k2/metrics.jsonl" 0 rel)
    check "gpt, freeze_layers=1, layer_lr_decay=0.5, clipped: 2 ranks give grad_accum=2's losses within 1e-6 (worst $w)" \
        '[ -n "$w" ] && [ "$(echo "$w" | awk "{print (\$1 <= 1e-6)}")" = 1 ] && grep -q "fine-tuning:" "$T/fz-k2.log"' ||
        tail -5 "$T/fz-k2.log"
    check "the MPI build started without mpirun trains exactly as the default build" \
        '[ "$(metrics_diff "$T/ga-default/metrics.jsonl" "$T/gpt-ga2/metrics.jsonl" 0 bits)" = same ]'

    mpi 2 "$MF" train --data "$T/data" --out "$T/gpt-k2b" $S >/dev/null 2>&1
    check "2 ranks are bit-reproducible: every metric and both checkpoints identical run to run" \
        '[ "$(metrics_diff "$T/gpt-k2/metrics.jsonl" "$T/gpt-k2b/metrics.jsonl" 0 bits)" = same ] &&
         cmp -s "$T/gpt-k2/step_00000050/model.safetensors" "$T/gpt-k2b/step_00000050/model.safetensors" &&
         cmp -s "$T/gpt-k2/step_00000050/optimizer.safetensors" "$T/gpt-k2b/step_00000050/optimizer.safetensors"'

    # Resume: the same K is exact; another K continues from the same window (docs/distributed.md).
    mpi 2 "$MF" train --resume "$T/gpt-k2/step_00000025" --data "$T/data" --out "$T/r-same" >/dev/null 2>&1
    check "resume with the same K (2) from step 25: steps 26-50 bit-identical to the uninterrupted run" \
        '[ "$(metrics_diff "$T/gpt-k2/metrics.jsonl" "$T/r-same/metrics.jsonl" 25 bits)" = same ]'
    "$MF" train --resume "$T/gpt-k2/step_00000025" --data "$T/data" --out "$T/r-k1" --set train.grad_accum=2 \
        >/dev/null 2>&1
    w=$(metrics_diff "$T/gpt-k2/metrics.jsonl" "$T/r-k1/metrics.jsonl" 25 rel)
    check "2 ranks' checkpoint resumed by 1 process with grad_accum=2: steps 26-50 within 1e-6 (worst $w)" \
        '[ -n "$w" ] && [ "$(echo "$w" | awk "{print (\$1 <= 1e-6)}")" = 1 ]'
    # train.grad_accum is per rank and recorded as such: 2 ranks keep the global batch of 4 x 2 with 1
    mpi 2 "$MF" train --resume "$T/gpt-ga2/step_00000025" --data "$T/data" --out "$T/r-k2" --set train.grad_accum=1 \
        >/dev/null 2>&1
    w=$(metrics_diff "$T/gpt-ga2/metrics.jsonl" "$T/r-k2/metrics.jsonl" 25 rel)
    check "1 process's grad_accum=2 checkpoint resumed by 2 ranks: steps 26-50 within 1e-6 (worst $w)" \
        '[ -n "$w" ] && [ "$(echo "$w" | awk "{print (\$1 <= 1e-6)}")" = 1 ]'
    "$MF" train --resume "$T/gpt-k2/step_00000025" --data "$T/data" --out "$T/r-b1" --steps 5 >/dev/null 2>&1
    check "resume of 2 ranks' step 25 (window 200) by 1 process, 5 steps of 4 windows: window 220" \
        'grep -q "\"cursor\": \"200\"" "$T/gpt-k2/step_00000025/state.json" &&
         grep -q "\"cursor\": \"220\"" "$T/r-b1/step_00000030/state.json"'

    # Start-up refusals, each naming the difference.
    mpi 1 "$MF" train --data "$T/data" --out "$T/lr" $S --set train.lr=1e-3 : \
        -np 1 "$MF" train --data "$T/data" --out "$T/lr" $S --set train.lr=2e-3 >"$T/lr.log" 2>&1
    check "ranks started with different train.lr are refused, the key named" \
        '[ $? -ne 0 ] && grep -q "not started alike: rank 1 has .train.lr=0.002.* where rank 0 has .train.lr=0.001" "$T/lr.log" &&
         [ ! -e "$T/lr/metrics.jsonl" ]'
    mkdir -p "$T/other"
    "$FL" prepare --tokenizer "$T/tok.tiktoken" --input "$T/docs" --out "$T/other/data" --val-fraction 0.3 >/dev/null 2>&1
    mpi 1 "$MF" train --data "$T/data" --out "$T/dd" $S : -np 1 "$MF" train --data "$T/other/data" --out "$T/dd" $S \
        >"$T/dd.log" 2>&1
    check "ranks given different data are refused, the train data named" \
        '[ $? -ne 0 ] && grep -q "not started alike: rank 1 has .train data: " "$T/dd.log"'
    half=$(($(sed -n 's/.*"n_windows": "\([0-9]*\)".*/\1/p' "$T/gpt-k2/step_00000025/state.json") / 2 + 1))
    mpi 2 "$MF" train --data "$T/data" --out "$T/big" $S --set train.batch_size=$half >"$T/big.log" 2>&1
    check "a global batch (ranks x grad_accum x batch_size) larger than the train split is refused" \
        '[ $? -ne 0 ] && grep -q "fewer than one global batch of 2 ranks x train.grad_accum 1 x train.batch_size $half" "$T/big.log"'

    # The MPI build where Open MPI's library is unusable (hidden by an empty file, in a mount
    # namespace of this command only): the loader's error names the library.
    lib=$(ldd "$MF" | awk '/libmpi\.so/ { print $3 }')
    : >"$T/empty"
    if [ -n "$lib" ] && unshare -m true 2>/dev/null; then
        unshare -m sh -c 'mount --bind "$1" "$(readlink -f "$2")" && exec "$3" version' sh "$T/empty" "$lib" "$MF" \
            >"$T/nolib.log" 2>&1
        check "the MPI build without a usable libmpi exits 127 naming libmpi.so" \
            '[ $? = 127 ] && grep -q "libmpi.so" "$T/nolib.log"'
    else
        echo "skip - no private mount namespace here (unshare -m): the MPI build without its library is not checked"
    fi

    # SIGTERM to rank 1 alone: the ranks agree to stop at the same step, rank 0 checkpoints, exit 0.
    K="--set train.max_steps=1000000 --set train.ckpt_every=0 --set train.eval_every=0"
    mpi 2 sh -c 'echo $$ >"$0.pid.$OMPI_COMM_WORLD_RANK"; exec "$@"' "$T/term" "$MF" train --data "$T/data" \
        --out "$T/term" $S $K >"$T/term.log" 2>&1 &
    job=$!
    i=0
    while [ $i -lt 600 ] && ! grep -q '"step":5,' "$T/term/metrics.jsonl" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
    kill -TERM "$(cat "$T/term.pid.1")" 2>/dev/null
    wait $job
    check "SIGTERM to rank 1 alone: both ranks stop at one step, exit 0, and rank 0 writes that step's checkpoint" \
        '[ $? = 0 ] && grep -q "stopped by signal after step" "$T/term.log" &&
         [ "$(cat "$T/term/latest")" = "$(printf step_%08d "$(tail -n 1 "$T/term/metrics.jsonl" | sed "s/.*\"step\":\([0-9]*\).*/\1/")")" ]'

    # Kill rank 0 (the one that writes) mid-run: the job fails, every checkpoint
    # under a final name is whole, and the run resumes.
    K="--set train.max_steps=1000000 --set train.ckpt_every=1 --set train.eval_every=0"
    mpi 2 sh -c 'echo $$ >"$0.pid.$OMPI_COMM_WORLD_RANK"; exec "$@"' "$T/kill" "$MF" train --data "$T/data" \
        --out "$T/kill" $S $K >"$T/kill.log" 2>&1 &
    job=$!
    i=0
    while [ $i -lt 600 ] && ! [ -f "$T/kill/step_00000008/state.json" ]; do sleep 0.1; i=$((i + 1)); done
    kill -9 "$(cat "$T/kill.pid.0")" 2>/dev/null
    wait $job
    rc=$?
    whole=1
    for d in "$T"/kill/step_????????; do
        [ -f "$d/model.safetensors" ] && [ -f "$d/optimizer.safetensors" ] && [ -f "$d/state.json" ] &&
            "$FL" info "$d" >/dev/null 2>&1 || whole=0
    done
    check "kill -9 of rank 0 mid-run: mpirun exits non-zero ($rc) and every step_NNNNNNNN is a whole checkpoint" \
        '[ "$rc" -ne 0 ] && [ "$whole" = 1 ] && [ -n "$(ls -d "$T"/kill/step_???????? 2>/dev/null)" ]'
    before=$(cat "$T/kill/latest")
    after=$(printf 'step_%08d' $(($(echo "${before#step_}" | sed 's/^0*//') + 3)))
    mpi 2 "$MF" train --resume "$T/kill" --data "$T/data" --out "$T/kill" --steps 3 >"$T/resume.log" 2>&1
    check "the killed run resumes on 2 ranks from its latest checkpoint ($before) and goes on 3 steps" \
        '[ $? = 0 ] && grep -q "resuming .*$before" "$T/resume.log" &&
         [ "$(cat "$T/kill/latest")" = "$after" ]'
}
