#!/bin/sh
# futurelm eval lens|collapse|cka|neurons on tiny models trained for a few
# steps: --help, text and JSON, the lens of the last block equal to eval ppl's
# loss on the same windows, CKA's unit diagonal against itself, GPT against FTP
# on identical windows, and the usage errors (exit 2, a futurelm: error: line).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
export OMP_NUM_THREADS=1

tiny_models

for s in lens collapse cka neurons; do
    "$FL" eval $s --help >"$T/help" 2>&1
    check "eval $s --help lists its options" '[ $? = 0 ] && grep -q "usage: futurelm eval $s" "$T/help" && grep -q -- "--json" "$T/help"'
done
"$FL" eval --help >"$T/help" 2>&1
check "eval --help lists lens, collapse, cka and neurons" \
    'grep -q "^  lens " "$T/help" && grep -q "^  collapse " "$T/help" && grep -q "^  cka " "$T/help" && grep -q "^  neurons " "$T/help"'

for m in gpt ftp; do
    "$FL" eval lens "$T/$m" --windows 6 --positions 0 --json >"$T/lens.json" 2>"$T/err"
    check "$m: eval lens --json: a loss, entropy and agreement per block, every position" \
        '[ $? = 0 ] && [ ! -s "$T/err" ] && [ "$(json "$T/lens.json" "const l=j.lens; [l.levels, l.loss.length, l.entropy.length, l.agree_last[1], l.positions].join()")" = "2,2,2,1,192" ]'
done
"$FL" eval lens "$T/gpt" --windows 6 --positions 0 --json >"$T/lens.json" && "$FL" eval ppl "$T/gpt" --windows 6 --json >"$T/ppl.json"
check "gpt: the lens of the last block is eval ppl's next-token loss" \
    '[ "$(node -e "const a=require(\"$T/lens.json\"), b=require(\"$T/ppl.json\"); console.log(Math.abs(a.lens.loss[1] - b.ppl.next_token_loss) < 1e-4)")" = true ]'
"$FL" eval lens "$T/ftp" --windows 4 >"$T/out" 2>&1
check "lens text names each block and the model's own h_t" '[ $? = 0 ] && grep -q "block 1 " "$T/out" && grep -q "own h_t" "$T/out"'

"$FL" eval collapse "$T/gpt" --windows 8 --classes 6 --per-class 20 --json >"$T/c.json" 2>"$T/err"
check "collapse --json: 6 classes, at most 20 vectors each, NC1-NC4 numbers, simplex cosine -1/5" \
    '[ $? = 0 ] && [ "$(json "$T/c.json" "const c=j.collapse; [c.classes, c.tokens.length, c.tokens.every(t => t.vectors <= 20 && t.text.length > 0), [c.nc1, c.nc2_norm_cv, c.nc2_cos_std, c.nc3, c.nc4].every(x => typeof x === \"number\"), c.nc2_cos_simplex].join()")" = "6,6,true,true,-0.2" ]'

"$FL" eval cka "$T/gpt" "$T/gpt" --windows 4 --positions 64 --json >"$T/k.json" 2>"$T/err"
check "cka of a model with itself: 3 x 3 (2 blocks + top), unit diagonal" \
    '[ $? = 0 ] && [ "$(json "$T/k.json" "const k=j.cka; [k.matrix.length, k.levels_b[2], k.matrix.every((r, i) => Math.abs(r[i] - 1) < 1e-5)].join()")" = "3,top,true" ]'
"$FL" eval cka "$T/gpt" "$T/ftp" --windows 4 --positions 64 >"$T/out" 2>&1
check "cka GPT against FTP prints the matrix" '[ $? = 0 ] && grep -q "^top " "$T/out" && grep -q "linear CKA over 64 positions" "$T/out"'

"$FL" eval neurons "$T/ftp" --windows 4 --directions 3 --coords 2 --tokens 4 --json >"$T/n.json" 2>"$T/err"
check "neurons --json: 3 directions and 2 coordinates, 4 tokens at each end, with text" \
    '[ $? = 0 ] && [ ! -s "$T/err" ] && [ "$(json "$T/n.json" "const n=j.neurons; [n.directions.length, n.coordinates.length, n.directions[0].positive.length, n.directions[2].negative.length, typeof n.directions[0].positive[0].text].join()")" = "3,2,4,4,string" ]'

refused "cka needs a second checkpoint" "CKPT_B" "$FL" eval cka "$T/gpt"
check "cka without CKPT_B exits 2" '[ "$rc" = 2 ]'
"$FL" eval lens "$T/gpt" "$T/ftp" >"$T/out" 2>&1
check "lens with two checkpoints is a usage error (exit 2)" '[ $? = 2 ] && grep -q "futurelm: error:" "$T/out"'
"$FL" eval lens "$T/gpt" --context 999 >"$T/out" 2>&1
check "lens --context beyond block_size exits 2 naming the range" '[ $? = 2 ] && grep -q "2..32" "$T/out"'
"$FL" eval neurons "$T/gpt" --directions 99 --windows 2 >"$T/out" 2>&1
check "neurons --directions beyond n_embd is refused" '[ $? = 1 ] && grep -q "0..32 directions" "$T/out"'
