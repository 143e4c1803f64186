// Markdown table of a `futurelm compare` JSON file (format version 2 or 3; 3 adds the top-layer
// instruments, whose summary metrics are rows like any other): one row per metric of its
// summary, with the names the HTML report uses: each model's mean over seeds with its 95% t-interval,
// the paired difference FTP - GPT with its interval and sign count, and every seed's value.
//   node scripts/results-table.js runs/reproduce/report.json
"use strict";
const fs = require("fs");
const j = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
if (!Array.isArray(j.summary)) {
  console.error(`${process.argv[2]}: no "summary" (written by a futurelm compare older than format version 2); rerun compare`);
  process.exit(1);
}
const f = (x, d = 4) => (x === undefined || x === null ? "-" : Number(x).toFixed(d));
// as the page prints a statistic: "mean [lo, hi]", or the value alone when one seed gives no interval
const stat = (s) => (s.n === 0 ? "-" : s.ci_lo === null ? `${f(s.mean)} (n=1: no interval)` : `${f(s.mean)} [${f(s.ci_lo)}, ${f(s.ci_hi)}]`);
const seeds = (v) => v.map((x) => f(x)).join(" ");
const pairs = (ps) => ps.map((p, i) => `seed ${i + 1}: target ${f(p.target_loss)}, GPT step ${p.gpt.step}, FTP step ${p.ftp.step}` +
  (p.dropped ? " (left out: not at matched loss)" : "")).join("; ");
console.log(`${j.seeds} seed(s), ${j.pairs_kept} in the statistics. ${pairs(j.pairs)}.`);
if (j.countdown_seeds) console.log(`\nCountdown: ${j.countdown_seeds} seed(s), ${j.countdown_pairs_kept} in the statistics. ${pairs(j.countdown_pairs)}.`);
const h = j.gpt.coherence.human;
console.log(`\nHuman continuation (coherence reference): TF-IDF cosine ${f(h.tfidf_cosine)}, topic agreement ${f(h.topic_agreement)}, ` +
  `first/second-half cosine ${f(h.drift)}.\n`);
console.log("| metric | better | GPT mean [95% CI] | FTP mean [95% CI] | FTP - GPT [95% CI] | sign | GPT by seed | FTP by seed |");
console.log("|---|---|---|---|---|---|---|---|");
for (const m of j.summary) {
  const d = m.ftp_minus_gpt;
  console.log(`| ${m.metric} | ${m.better || ""} | ${stat(m.gpt)} | ${stat(m.ftp)} | ${stat(d)} | FTP higher in ${d.ftp_higher} of ${d.n} | ` +
    `${seeds(m.gpt.values)} | ${seeds(m.ftp.values)} |`);
}
