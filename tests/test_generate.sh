#!/bin/sh
# futurelm generate from the command line: deterministic greedy output, --json,
# the prompt from a flag, a file or stdin, greedy spec == greedy ar, and the bad
# inputs of issue 6: an empty prompt, a prompt longer than the context, bytes the
# tokenizer must byte-fallback, --max-tokens past the context, nonsense sampler values.
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
tiny_models

# --help documents the sampler order and the window
"$FL" generate --help >"$T/help" 2>&1
check "generate --help shows the sampler order and what happens past the context" \
    'grep -q "repetition penalty, temperature, top-k, top-p, min-p, seeded draw" "$T/help" && grep -q "window" "$T/help"'

# greedy is deterministic; the output starts with the prompt
"$FL" generate "$T/gpt" --prompt "The model" --max-tokens 20 >"$T/a" 2>&1
"$FL" generate "$T/gpt" --prompt "The model" --max-tokens 20 >"$T/b" 2>&1
check "gpt greedy: the same text twice, starting with the prompt" 'cmp -s "$T/a" "$T/b" && head -c 9 "$T/a" | grep -q "The model"'

# --json is one valid object with the fields scripts need
"$FL" generate "$T/gpt" --prompt "The model" --max-tokens 20 --ignore-eot --json >"$T/j" 2>"$T/err"
check "--json: valid JSON with text, token ids (20) and stats" \
    '[ "$(json "$T/j" "j.token_ids.length + \" \" + typeof j.text + \" \" + (j.stats.generated_tokens >= 20)")" = "20 string true" ]'

# prompt from a file and from stdin give what --prompt gives
printf 'The model' >"$T/prompt.txt"
"$FL" generate "$T/gpt" --prompt-file "$T/prompt.txt" --max-tokens 20 >"$T/c" 2>&1
printf 'The model' | "$FL" generate "$T/gpt" --prompt-file - --max-tokens 20 >"$T/d" 2>&1
check "prompt from --prompt-file and from stdin == --prompt" 'cmp -s "$T/a" "$T/c" && cmp -s "$T/a" "$T/d"'

# --prompts: one JSON line per prompt, each what a run of that prompt alone gives
# (sampling, so the seed restarts for every prompt), in spec mode on the FTP model
printf 'The model\nA second prompt\n' >"$T/prompts.txt"
"$FL" generate "$T/ftp" --prompts "$T/prompts.txt" --mode spec --temperature 1 --seed 7 --max-tokens 12 --json \
    >"$T/batch" 2>"$T/err"
"$FL" generate "$T/ftp" --prompt "The model" --mode spec --temperature 1 --seed 7 --max-tokens 12 --json >"$T/one1"
"$FL" generate "$T/ftp" --prompt "A second prompt" --mode spec --temperature 1 --seed 7 --max-tokens 12 --json >"$T/one2"
sed -n 1p "$T/batch" >"$T/b1"
sed -n 2p "$T/batch" >"$T/b2"
check "--prompts: one JSON line per prompt, each the same tokens as that prompt run alone with the seed" \
    '[ "$(wc -l <"$T/batch")" = 2 ] && [ "$(json "$T/b1" "j.token_ids.join()")" = "$(json "$T/one1" "j.token_ids.join()")" ] &&
     [ "$(json "$T/b2" "j.token_ids.join()")" = "$(json "$T/one2" "j.token_ids.join()")" ] &&
     [ "$(json "$T/b2" "j.prompt")" = "A second prompt" ]'
printf 'The model\nA second prompt\n' | "$FL" generate "$T/ftp" --prompts - --mode spec --temperature 1 --seed 7 \
    --max-tokens 12 --json >"$T/batch2" 2>&1
check "--json in spec mode names the draft precision" \
    '[ "$(json "$T/b1" "j.draft_precision")" = int8 ] &&
     [ "$(OMP_NUM_THREADS=1 "$FL" generate "$T/ftp" --prompt x --mode spec --draft-precision f32 --max-tokens 2 --json |
          node -e "process.stdout.write(JSON.parse(require(\"fs\").readFileSync(0,\"utf8\")).draft_precision)")" = f32 ] &&
     [ "$(OMP_NUM_THREADS=1 "$FL" generate "$T/ftp" --prompt x --mode spec --draft-precision bf16 --max-tokens 2 --json |
          node -e "process.stdout.write(JSON.parse(require(\"fs\").readFileSync(0,\"utf8\")).draft_precision)")" = bf16 ]'
check "--prompts - reads the prompts from stdin (same output but the timings)" \
    '[ "$(sed "s/,\"stats\".*//" "$T/batch")" = "$(sed "s/,\"stats\".*//" "$T/batch2")" ]'
: >"$T/empty.txt"
"$FL" generate "$T/gpt" --prompts "$T/empty.txt" >"$T/out" 2>"$T/err"
rc=$?
check "--prompts on an empty file: an error that says so" '[ $rc = 1 ] && grep -q "no prompts" "$T/err"'
"$FL" generate "$T/gpt" --prompts "$T/prompts.txt" --prompt "x" >"$T/out" 2>"$T/err"
rc=$?
check "--prompts with --prompt: refused (a usage error: 2)" '[ $rc = 2 ] && grep -q "one of --prompt, --prompt-file and --prompts" "$T/err"'

# a run trained with paths relative to its folder works from anywhere: the
# tokenizer and data folder that state.json records are found above the checkpoint
FLA=$(cd "$(dirname "$FL")" && pwd)/$(basename "$FL")
(cd "$T" && "$FLA" prepare --tokenizer tok.tiktoken --input docs --out reldata --val-fraction 0.2 >/dev/null 2>&1 &&
    "$FLA" train --model ftp --data reldata --out rel/ftp $_small --set ftp.n_future=3 --set ftp.pseudo_len=2 \
        --set ftp.dec_layers=1 --set train.max_steps=3 >/dev/null 2>&1)
(cd / && "$FLA" generate "$T/rel/ftp" --prompt "The model" --max-tokens 5 --mode spec --draft-vocab 50 --json) \
    >"$T/j" 2>"$T/err"
check "a run with relative paths generates from another folder (tokenizer and data found above it)" \
    '[ "$(json "$T/j" "j.token_ids.length")" = 5 ] && ! grep -q warning "$T/err"'

# an empty prompt samples a new document
check "empty prompt: generates from <|endoftext|>" \
    '"$FL" generate "$T/gpt" --prompt "" --max-tokens 5 --ignore-eot --json >"$T/j" 2>&1 && [ "$(json "$T/j" "j.token_ids.length")" = 5 ]'

# a prompt longer than the context: kept from the end, with a warning
long=""
for w in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do long="$long word$w and"; done
"$FL" generate "$T/gpt" --prompt "$long" --max-tokens 5 --json >"$T/j" 2>"$T/err"
rc=$?
# (it once said "sees its last 17" of a 32-token context: the window started on a multiple of 16)
check "prompt longer than the context: warns, keeps the last 32 tokens (the whole context), exit 0" \
    '[ $rc = 0 ] && grep -q "warning: the prompt is .* tokens, more than the context of 32 (model.block_size): the model sees its last 32, and the first .* do not reach it" "$T/err" &&
     [ "$(json "$T/j" "j.prompt_tokens_dropped == j.prompt_token_ids.length - 32")" = true ]'

# bytes the tokenizer must byte-fallback (invalid UTF-8, control bytes, an emoji)
printf 'caf\351 \001\002 \360\237\220\263 \377end' >"$T/bytes.txt"
"$FL" generate "$T/ftp" --prompt-file "$T/bytes.txt" --max-tokens 5 --json >"$T/j" 2>"$T/err"
rc=$?
check "prompt with invalid UTF-8 and control bytes: byte fallback, valid JSON out" \
    '[ $rc = 0 ] && [ "$(json "$T/j" "j.prompt_token_ids.length > 10")" = true ]'

# --max-tokens far past the context: the window slides, no out-of-bounds reads
for mode in ar spec block; do
    "$FL" generate "$T/ftp" --max-tokens 100 --ignore-eot --mode $mode --json >"$T/j" 2>"$T/err"
    check "ftp $mode: 100 tokens with a 32-token context (window slides)" \
        '[ "$(json "$T/j" "j.token_ids.length + \" \" + (j.stats.window_slides > 0)")" = "100 true" ]'
done

# greedy spec == greedy ar from the command line, several prompts and depths
same=0
for p in "The" "int main" "model.c says" "a b c d e f g"; do
    "$FL" generate "$T/ftp" --prompt "$p" --max-tokens 60 --ignore-eot --json >"$T/ar" 2>/dev/null
    # adaptive depth up to 2 and 3, always 3, and draft trees (top-3 then top-2; top-4, always 2 deep)
    for k in "--draft 2" "--draft 3" "--draft 3 --draft-fixed" "--draft-tree 3,2" "--draft-tree 4 --draft-fixed"; do
        "$FL" generate "$T/ftp" --prompt "$p" --max-tokens 60 --ignore-eot --mode spec $k --json >"$T/sp" 2>/dev/null
        [ "$(json "$T/ar" "j.token_ids.join()")" = "$(json "$T/sp" "j.token_ids.join()")" ] && same=$((same + 1))
    done
done
check "greedy spec == greedy ar token for token (4 prompts x 3 depth settings and 2 trees x 60 tokens)" '[ $same = 20 ]'
check "--json says whether spec adapted its depth" \
    '[ "$(json "$T/sp" "j.draft_depth")" = fixed ] &&
     [ "$("$FL" generate "$T/ftp" --mode spec --max-tokens 2 --json | node -e "process.stdout.write(JSON.parse(require(\"fs\").readFileSync(0,\"utf8\")).draft_depth)")" = adaptive ]'

"$FL" generate "$T/ftp" --max-tokens 30 --ignore-eot --mode spec --stats >/dev/null 2>"$T/err"
check "--stats: tokens/s, tokens per encoder pass, acceptance per draft position" \
    'grep -q "tok/s" "$T/err" && grep -q "tokens per pass" "$T/err" && grep -q "token 2: .* drafts accepted" "$T/err"'

# sampling with a seed is reproducible, and a different seed differs
s1=$("$FL" generate "$T/ftp" --temperature 1 --top-k 50 --top-p 0.95 --min-p 0.01 --repeat-penalty 1.1 --seed 7 --max-tokens 30 --ignore-eot --mode spec 2>&1)
s2=$("$FL" generate "$T/ftp" --temperature 1 --top-k 50 --top-p 0.95 --min-p 0.01 --repeat-penalty 1.1 --seed 7 --max-tokens 30 --ignore-eot --mode spec 2>&1)
s3=$("$FL" generate "$T/ftp" --temperature 1 --top-k 50 --top-p 0.95 --min-p 0.01 --repeat-penalty 1.1 --seed 8 --max-tokens 30 --ignore-eot --mode spec 2>&1)
check "sampling: the same seed repeats, another seed differs" '[ "$s1" = "$s2" ] && [ "$s1" != "$s3" ]'

# nonsense values are refused with the valid range, before any work
refuse() { # name, expected message fragment, args...
    name=$1 frag=$2
    shift 2
    "$FL" generate "$T/ftp" "$@" >"$T/out" 2>"$T/err"
    rc=$?
    if [ $rc -ne 0 ] && grep -q "futurelm: error:" "$T/err" && grep -q -- "$frag" "$T/err" && [ ! -s "$T/out" ]; then
        ok "refused: $name"
    else
        bad "refused: $name (rc $rc: $(cat "$T/err"))"
    fi
}
refuse "temperature -1" "finite value >= 0" --temperature -1
refuse "temperature abc" "need a number" --temperature abc
refuse "top-p 0" "0 < top-p <= 1" --top-p 0
refuse "top-p 1.5" "0 < top-p <= 1" --top-p 1.5
refuse "min-p 1" "0 <= min-p < 1" --min-p 1
refuse "top-k -3" "integer in 0.." --top-k -3
refuse "repeat penalty 0" "> 0" --repeat-penalty 0
refuse "max-tokens 12x" "integer in 0.." --max-tokens 12x
refuse "mode foo" "need ar, block or spec" --mode foo
refuse "draft 1" "integer in 2.." --mode spec --draft 1
refuse "draft 9 on an N=3 model" "need 2..3" --mode spec --draft 9
refuse "draft confidence 1" "0 <= c < 1" --mode spec --draft-confidence 1
refuse "draft tree 2,x" "widths 1..64 separated by commas" --mode spec --draft-tree 2,x
refuse "draft tree 0" "widths 1..64 separated by commas" --mode spec --draft-tree 0
refuse "draft tree 2,2,2 on an N=3 model" "need 2..3" --mode spec --draft-tree 2,2,2
refuse "draft tree and a different --draft" "give one of them" --mode spec --draft-tree 2 --draft 3
refuse "seed -1" "non-negative integer" --seed -1
refuse "unknown option" "unknown option --topk" --topk 5
"$FL" generate "$T/gpt" --mode spec >"$T/out" 2>"$T/err"
check "refused: spec on a GPT model (a usage error: 2)" '[ $? = 2 ] && grep -q "needs an FTP model" "$T/err"'
# drafting flags on a model or mode that does not draft were once accepted silently
"$FL" generate "$T/gpt" --draft 3 --max-tokens 3 >"$T/out" 2>"$T/err"
check "refused: --draft on a GPT model (a usage error: 2), saying why" \
    '[ $? = 2 ] && grep -q "apply to --mode spec only; this is a GPT model" "$T/err" && [ ! -s "$T/out" ]'
"$FL" generate "$T/ftp" --draft-fixed --max-tokens 3 >"$T/out" 2>"$T/err"
check "refused: --draft-fixed on an FTP model in mode ar (2), naming --mode spec" \
    '[ $? = 2 ] && grep -q "add --mode spec" "$T/err" && [ ! -s "$T/out" ]'
"$FL" generate "$T/ftp" --mode spec --draft 9 >"$T/out" 2>"$T/err"
check "refused: a draft depth the model lacks is a usage error (2)" '[ $? = 2 ] && grep -q "need 2..3" "$T/err"'
"$FL" generate "$T/nothing" >"$T/out" 2>"$T/err"
check "refused: a missing checkpoint, named" '[ $? -ne 0 ] && grep -q "futurelm: error:.*nothing" "$T/err"'
"$FL" generate "$T/gpt" --prompt-file "$T/none.txt" >"$T/out" 2>"$T/err"
check "refused: a missing prompt file, named" '[ $? -ne 0 ] && grep -q "none.txt" "$T/err"'
