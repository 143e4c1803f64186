#!/bin/sh
# Generation speed, side by side in one run on the same machine and threads:
# GPT (KV cache, ar), FTP ar, FTP spec (self-speculative: the default, whose
# greedy rounds draft as deep as pays, and at fixed depths) and FTP block, greedy,
# over several prompts. Each mode runs every prompt in one process (generate
# --prompts: the model loaded once, as a script would), and the modes take turns
# REPEAT times so machine noise hits all alike: compare ratios within one run.
#
#   bench/generate.sh GPT_RUN|- FTP_RUN [MAX_TOKENS] [DRAFTS]
#
# GPT_RUN "-" leaves the GPT row out. MAX_TOKENS (default 256) tokens per prompt,
# generated past <|endoftext|>. DRAFTS (default "2 3 4"): the fixed spec depths
# to try (--draft K --draft-fixed). Environment:
#   FL               the futurelm binary (default ./futurelm); the output names the
#                    vector instructions its kernels were built for (avx512, avx2)
#   OMP_NUM_THREADS  default 1 here: on a machine other processes load, an OpenMP
#                    team of 2 waits for a preempted thread at every product
#                    (measured 45x slower per token than 1 thread on a loaded 2-core box)
#   PROMPTS          a file of prompts, one per line (default: built-in prose openings;
#                    a blank line is a prompt too: a new document)
#   REPEAT           runs of each prompt in each mode (default 3); a prompt's time in a
#                    mode is the median of its runs, which keeps a stray millisecond of
#                    machine noise out of generations that take a few milliseconds
#   STOP_AT_EOT=1    end each generation at <|endoftext|> (countdown prompts: the
#                    program, then the end) instead of generating MAX_TOKENS
#   SPEC_CONFIDENCE  (default 0: no such rows) for fixed-depth spec rows that stop drafting
#                    after an unlikely draft, e.g. 0.3
#   DRAFT_VOCAB      (default 0: no such rows) for fixed-depth rows whose drafts choose
#                    among the run's most frequent training tokens only, e.g. 512
#   DRAFT_F32        (default 1) adds a row at the deepest fixed draft with float32 draft
#                    weights (the other rows draft in int8, the default)
#   DRAFT_BF16       (default 0) adds two rows with bfloat16 draft weights: the default spec
#                    and the deepest fixed draft
#   TREES            draft trees to try (--draft-tree; default "2,1,1 3,1,1 2,2,1"; "" for
#                    none): a row each with the adaptive depth and with --draft-fixed
# Prints tokens/s per mode (the median over prompts, and all tokens over all time),
# the ratio of each FTP mode to FTP ar, tokens per encoder pass and the acceptance
# rate at each draft position. Tokens are those delivered (a spec round that runs
# past <|endoftext|> pays for its extra tokens and gets no credit for them). The
# JSON of every run goes to bench-generate.jsonl in the current directory.
set -eu
FL=${FL:-./futurelm}
GPT=$1
FTP=$2
MAX=${3:-256}
DRAFTS=${4:-"2 3 4"}
CONF=${SPEC_CONFIDENCE:-0}
DV=${DRAFT_VOCAB:-0}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
F32=${DRAFT_F32:-1}
B16=${DRAFT_BF16:-0}
REPEAT=${REPEAT:-3}
TREES=${TREES-"2,1,1 3,1,1 2,2,1"}
KMAX=$(echo $DRAFTS | awk '{print $NF}')
EOT_FLAG=--ignore-eot
[ "${STOP_AT_EOT:-0}" = 1 ] && EOT_FLAG=
LOG=bench-generate.jsonl
: >"$LOG"
P=$(mktemp)
trap 'rm -f "$P"' EXIT
if [ -n "${PROMPTS:-}" ]; then cp "$PROMPTS" "$P"; else
    cat >"$P" <<'PROMPTS'
The President said that the Congress
In the last year our country has
The people of the United States
It was a cold morning when
The committee reported that the new
We must never forget that
Our foreign policy
The economy of the nation
PROMPTS
fi
echo "threads: $OMP_NUM_THREADS; $(grep -c . "$P") prompts x up to $MAX tokens x $REPEAT runs, greedy; machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
run() { # label, run dir, extra args: every prompt in one process (--prompts), a JSON line each
    label=$1 dir=$2
    shift 2
    "$FL" generate "$dir" --prompts "$P" --max-tokens "$MAX" $EOT_FLAG --json "$@" |
        node -e 'require("readline").createInterface({input:process.stdin}).on("line",l=>{const j=JSON.parse(l);j.label=process.argv[1];console.log(JSON.stringify(j));})' "$label" >>"$LOG"
}
r=0
while [ "$r" -lt "$REPEAT" ]; do # modes interleaved, REPEAT times
    r=$((r + 1))
    if [ "$GPT" != - ]; then run "gpt ar" "$GPT"; fi
    run "ftp ar" "$FTP" --mode ar
    run "ftp spec (default)" "$FTP" --mode spec
    for k in $DRAFTS; do run "ftp spec K=$k fixed" "$FTP" --mode spec --draft "$k" --draft-fixed; done
    if [ "$F32" = 1 ]; then
        run "ftp spec K=$KMAX fixed f32" "$FTP" --mode spec --draft "$KMAX" --draft-fixed --draft-precision f32
    fi
    if [ "$B16" = 1 ]; then
        run "ftp spec (default) bf16" "$FTP" --mode spec --draft-precision bf16
        run "ftp spec K=$KMAX fixed bf16" "$FTP" --mode spec --draft "$KMAX" --draft-fixed --draft-precision bf16
    fi
    if [ "$CONF" != 0 ]; then
        for k in $DRAFTS; do run "ftp spec K=$k c=$CONF" "$FTP" --mode spec --draft "$k" --draft-fixed --draft-confidence "$CONF"; done
    fi
    if [ "$DV" != 0 ]; then
        for k in $DRAFTS; do run "ftp spec K=$k v=$DV" "$FTP" --mode spec --draft "$k" --draft-fixed --draft-vocab "$DV"; done
    fi
    for w in $TREES; do
        run "ftp spec tree $w" "$FTP" --mode spec --draft-tree "$w"
        run "ftp spec tree $w fixed" "$FTP" --mode spec --draft-tree "$w" --draft-fixed
    done
    run "ftp block" "$FTP" --mode block
done
node - "$LOG" <<'JS'
const fs = require("fs");
const runs = fs.readFileSync(process.argv[2], "utf8").trim().split("\n").map(l => JSON.parse(l));
const median = a => { const s = [...a].sort((x, y) => x - y), n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const labels = [...new Set(runs.map(r => r.label))];
// one entry per (label, prompt): tokens delivered, the median time of its runs, and the first run's stats
const cases = l => {
  const byPrompt = new Map();
  for (const r of runs.filter(r => r.label === l)) {
    if (!byPrompt.has(r.prompt)) byPrompt.set(r.prompt, []);
    byPrompt.get(r.prompt).push(r);
  }
  return [...byPrompt.values()].map(rs => ({ tokens: rs[0].stats.generated_tokens, seconds: median(rs.map(r => r.stats.generate_seconds)), stats: rs[0].stats }));
};
const tps = l => median(cases(l).map(c => c.tokens / c.seconds));
const total = l => { const cs = cases(l); return cs.reduce((a, c) => a + c.tokens, 0) / cs.reduce((a, c) => a + c.seconds, 0); };
const base = tps("ftp ar"), baseT = total("ftp ar");
console.log(`kernels built for: ${runs[0].simd || "?"}`);
console.log("\nmode                      tok/s (median)  x ftp ar  tok/s (all tokens / all time)  x ftp ar  tokens/encoder pass  acceptance at draft position 2, 3, ...");
for (const l of labels) {
  const cs = cases(l), t = tps(l);
  const perPass = cs.reduce((a, c) => a + c.tokens, 0) / cs.reduce((a, c) => a + c.stats.encoder_passes, 0);
  let acc = "";
  if (cs[0].stats.acceptance) {
    const depths = cs[0].stats.acceptance.length, parts = [];
    for (let d = 0; d < depths; d++) {
      const dr = cs.reduce((a, c) => a + c.stats.acceptance[d].drafted, 0), ac = cs.reduce((a, c) => a + c.stats.acceptance[d].accepted, 0);
      parts.push(dr ? `${(100 * ac / dr).toFixed(1)}% of ${dr}` : "-");
    }
    acc = parts.join(", ");
  }
  const tt = total(l);
  console.log(`${l.padEnd(26)}${t.toFixed(1).padStart(14)}  ${(t / base).toFixed(2).padStart(8)}  ${tt.toFixed(1).padStart(29)}  ${(tt / baseT).toFixed(2).padStart(8)}  ${perPass.toFixed(2).padStart(19)}  ${acc}`);
}
const ar = runs.filter(r => r.label === "ftp ar"), sp = runs.filter(r => r.label.startsWith("ftp spec"));
const same = sp.every(s => { const a = ar.find(r => r.prompt === s.prompt); return a && a.token_ids.join() === s.token_ids.join(); });
console.log(`\ngreedy spec output identical to greedy ar on every prompt: ${same ? "yes" : "NO"}`);
const spd = tps("ftp spec (default)");
console.log(`spec (default) / ar: ${(spd / base).toFixed(2)} (median tok/s), ${(total("ftp spec (default)") / baseT).toFixed(2)} (all tokens / all time); block / ar: ${(tps("ftp block") / base).toFixed(2)}`);
JS
