#!/bin/sh
# Tokenizer oracle test: futurelm's GPT-2 encoder against tiktoken's own Rust code
# (npm tiktoken, WebAssembly), token for token, on gpt-tokenizer's TestPlans.txt and
# on the full SOTU, Brown, Moby-Dick and SpamAssassin texts; decode(encode(x)) == x
# byte for byte on every file; a vocabulary trained by futurelm loaded into tiktoken
# encodes held-out text identically; the trainer equals a naive Python BPE.
# Needs node (and npm when data/ has to be fetched). Prints "ok - ..." / "not ok - ...".
# Runs from the repository root; FL_BUILD (set by tests/run.sh) picks the binary.
cd "$(dirname "$0")/.." || exit 1
FL=${FL_BUILD:-build/opt}/futurelm
[ -x "$FL" ] || FL=./futurelm
DATA=${FL_DATA_DIR:-data}
PY=${PYTHON:-/usr/bin/python3}

if ! command -v node >/dev/null 2>&1; then
    echo "# node is not installed: tokenizer oracle skipped (install nodejs to run it)"
    exit 0
fi
if [ ! -x "$FL" ]; then
    echo "not ok - oracle: no futurelm binary (run make)"
    exit 1
fi
need=""
for n in sotu brown moby-dick spam-assassin gpt-tokenizer tiktoken; do
    [ -f "$DATA/$n/.complete" ] || need="$need $n"
done
if [ -n "$need" ]; then
    echo "# fetching:$need"
    if ! FL_DATA_DIR="$DATA" sh scripts/get-data.sh $need >/dev/null 2>"${TMPDIR:-/tmp}/fl-get-data.$$"; then
        echo "not ok - fetch oracle data with scripts/get-data.sh:$need: $(tail -n 1 "${TMPDIR:-/tmp}/fl-get-data.$$")"
        rm -f "${TMPDIR:-/tmp}/fl-get-data.$$"
        exit 1
    fi
    rm -f "${TMPDIR:-/tmp}/fl-get-data.$$"
fi

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
R50K="$DATA/gpt-tokenizer/r50k_base.tiktoken"

# 1. gpt-tokenizer's 64 published r50k_base cases
node tests/oracle.cjs testplans "$DATA" "$T/plans"
if "$FL" tokenizer encode --tokenizer "$R50K" --files-from "$T/plans/list" --binary "$T/plans.bin" --verify 2>"$T/err"; then
    node tests/oracle.cjs check-plans "$DATA" "$T/plans" "$T/plans.bin"
else
    echo "not ok - TestPlans.txt: futurelm failed: $(cat "$T/err")"
fi

# 2. full corpora, GPT-2 vocabulary: round trip (in C) and ids equal to tiktoken's
for c in sotu brown moby-dick spam-assassin; do
    find "$DATA/$c/text" -type f | LC_ALL=C sort >"$T/$c.list"
    nf=$(wc -l <"$T/$c.list")
    if "$FL" tokenizer encode --tokenizer "$R50K" --files-from "$T/$c.list" --binary "$T/$c.bin" --verify --stats 2>"$T/err"; then
        echo "ok - $c: decode(encode(x)) == x byte for byte on all $nf files (encoding $(sed -n 's/.*tokens in \([^ ]*\) s (\([^ ]*\) MB\/s.*/\1 s, \2 MB\/s/p' "$T/err"))"
        node tests/oracle.cjs compare "$DATA" "$R50K" "$c r50k_base" "$T/$c.list" "$T/$c.bin"
    else
        echo "not ok - $c: futurelm encode/round trip failed: $(tail -n 3 "$T/err" | tr '\n' ' ')"
    fi
done

# 2b. text that is not UTF-8 (Latin-1 mails with stray bytes): futurelm must round-trip
# the raw bytes; tiktoken (through JavaScript) can only see them after U+FFFD
# replacement, so the ids are compared on the replaced text.
node tests/oracle.cjs mkinvalid "$T/spam-assassin.list" 200 "$T/invalid"
node tests/oracle.cjs replaced "$T/invalid/list" "$T/replaced"
if "$FL" tokenizer encode --tokenizer "$R50K" --files-from "$T/invalid/list" --binary "$T/inv.bin" --verify 2>"$T/err"; then
    echo "ok - 200 non-UTF-8 mails (Latin-1 + stray bytes): decode(encode(x)) == x byte for byte"
    if "$FL" tokenizer encode --tokenizer "$R50K" --files-from "$T/replaced/list" --binary "$T/rep.bin" 2>"$T/err"; then
        node tests/oracle.cjs compare "$DATA" "$R50K" "non-UTF-8 mails after U+FFFD replacement" "$T/replaced/list" "$T/rep.bin"
    else
        echo "not ok - replaced mails: $(cat "$T/err")"
    fi
else
    echo "not ok - non-UTF-8 mails: round trip failed: $(tail -n 3 "$T/err" | tr '\n' ' ')"
fi

# 2c. very long pieces (the heap-based merge path)
node tests/oracle.cjs mklong "$T/long"
if "$FL" tokenizer encode --tokenizer "$R50K" --files-from "$T/long/list" --binary "$T/long.bin" --verify 2>"$T/err"; then
    node tests/oracle.cjs compare "$DATA" "$R50K" "long pieces (runs up to 5000 characters)" "$T/long/list" "$T/long.bin"
else
    echo "not ok - long pieces: $(cat "$T/err")"
fi

# 2d. differential test of the pre-tokenizer: generated texts over every Unicode general
# category and all C0/C1 controls (found U+001C..U+001F treated as spaces, once)
node tests/oracle.cjs mkunicode 2000 1 "$T/uni"
if "$FL" tokenizer encode --tokenizer "$R50K" --files-from "$T/uni/list" --binary "$T/uni.bin" --verify 2>"$T/err"; then
    node tests/oracle.cjs compare "$DATA" "$R50K" "2000 generated texts over every Unicode category and control" "$T/uni/list" "$T/uni.bin"
else
    echo "not ok - generated Unicode texts: $(tail -n 3 "$T/err" | tr '\n' ' ')"
fi

# 3. a vocabulary trained by futurelm (SOTU, 8192 tokens) in tiktoken, on held-out text
start=$(date +%s)
if "$FL" tokenizer train --vocab-size 8192 --input "$DATA/sotu/text" --out "$T/sotu8k.tiktoken" >/dev/null 2>"$T/err"; then
    end=$(date +%s)
    echo "ok - train 8192 tokens on SOTU in $((end - start)) s wall: $(sed -n 's/.*: \(counting.*\)/\1/p' "$T/err")"
    LC_ALL=C sort "$T/brown.list" | head -n 100 >"$T/held.list"
    echo "$DATA/moby-dick/text/moby-dick.txt" >>"$T/held.list"
    head -n 300 "$T/spam-assassin.list" >>"$T/held.list"
    if "$FL" tokenizer encode --tokenizer "$T/sotu8k.tiktoken" --files-from "$T/held.list" --binary "$T/held.bin" --verify 2>"$T/err"; then
        node tests/oracle.cjs compare "$DATA" "$T/sotu8k.tiktoken" "trained SOTU-8192 vocabulary in tiktoken, held-out Brown/Moby-Dick/SpamAssassin" "$T/held.list" "$T/held.bin"
    else
        echo "not ok - trained vocabulary: encode/round trip failed: $(cat "$T/err")"
    fi
else
    echo "not ok - train 8192 tokens on SOTU: $(cat "$T/err")"
fi

# 4. the trainer equals a naive reference BPE (same pre-tokenizer, same tie-breaking)
if [ -x "$PY" ]; then
    head -c 300000 "$DATA/moby-dick/text/moby-dick.txt" >"$T/moby300k.txt"
    "$FL" tokenizer train --vocab-size 500 --input "$T/moby300k.txt" --out "$T/m500.tiktoken" >/dev/null 2>&1
    "$PY" tests/bpe_reference.py "$T/moby300k.txt" 500 >"$T/ref500.tiktoken" 2>"$T/err"
    if [ -s "$T/ref500.tiktoken" ] && cmp -s "$T/ref500.tiktoken" "$T/m500.tiktoken"; then
        echo "ok - trainer: 500-token vocabulary identical to the naive Python BPE reference"
    else
        echo "not ok - trainer: differs from tests/bpe_reference.py ($(head -c 200 "$T/err"))"
    fi
fi
