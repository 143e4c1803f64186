// Markdown table of a `futurelm compare` JSON file: one row per metric, GPT and FTP side
// by side, each at the checkpoint picked for the shared target loss.
//   node scripts/results-table.js runs/reproduce/report.json
"use strict";
const fs = require("fs");
const j = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const f = (x, d = 3) => (x === undefined || x === null ? "-" : Number(x).toFixed(d));
const ci = (r) => (r ? `${f(r.test_accuracy)} [${f(r.ci_lo)}, ${f(r.ci_hi)}]` : "-");
const rows = [];
const both = (name, get) => rows.push([name, get(j.gpt), get(j.ftp)]);
both("checkpoint (step)", (m) => `${m.step}`);
both("val next-token loss of that checkpoint (target " + f(j.target_loss, 4) + ")", (m) => f(m.val_next_token_loss, 4));
both("next-token loss / perplexity on the eval windows", (m) => `${f(m.ppl.next_token_loss, 4)} / ${f(m.ppl.perplexity, 1)}`);
both("per-offset CE k=1..N (4.1a)", (m) => m.offsets.offset_ce.map((x) => f(x, 3)).join(", "));
const bow = (m) => m.offsets.bow_probe;
both("future bag-of-words probe recall@N (4.1b; unigram baseline in brackets)", (m) => (bow(m) ? `${f(bow(m).recall_at_n)} (${f(bow(m).baseline_recall_at_n)})` : "-"));
both("future bag-of-words probe log-likelihood (baseline)", (m) => (bow(m) ? `${f(bow(m).loglik)} (${f(bow(m).baseline_loglik)})` : "-"));
const lvl = (m, name) => m.smoothness.levels.find((l) => l.level === name);
both("adjacent cosine of h_t, mean (4.2)", (m) => f(lvl(m, "top").mean));
both("adjacent cosine after block 1 / last block", (m) => `${f(m.smoothness.levels[0].mean)} / ${f(m.smoothness.levels[m.smoothness.levels.length - 2].mean)}`);
// centred on each level's mean vector (docs/evaluation.md); "-" for a JSON written before it existed
const cen = (l) => (l.centred ? f(l.centred.mean) : "-");
const share = (l) => (l.centred ? f(l.centred.mean_vector_share) : "-");
both("centred adjacent cosine of h_t, mean (mean-vector share)", (m) => `${cen(lvl(m, "top"))} (${share(lvl(m, "top"))})`);
both("centred adjacent cosine after block 1 / last block", (m) => `${cen(m.smoothness.levels[0])} / ${cen(m.smoothness.levels[m.smoothness.levels.length - 2])}`);
for (const ds of Object.keys(j.gpt.probes || {})) {
  both(`topic probe ${ds}, mean-pooled, test acc [95% CI] (4.3)`, (m) => ci(m.probes[ds].mean_pool));
  both(`topic probe ${ds}, last position`, (m) => ci(m.probes[ds].last_pool));
  both(`topic probe ${ds}, bag-of-words baseline`, (m) => ci(m.probes[ds].bag_of_words));
}
both("coherence: TF-IDF cosine to the prompt (4.4; human " + f(j.gpt.coherence.human.tfidf_cosine) + ")", (m) => f(m.coherence.model.tfidf_cosine));
both("coherence: topic agreement (human " + f(j.gpt.coherence.human.topic_agreement) + ")", (m) => f(m.coherence.model.topic_agreement));
both("coherence: first/second-half drift cosine (human " + f(j.gpt.coherence.human.drift) + ")", (m) => f(m.coherence.model.drift));
if (j.gpt.countdown) {
  // the countdown runs' own matched checkpoints ("-" for a JSON written before compare matched them)
  const cdt = j.gpt.countdown.target_loss;
  both("countdown checkpoint (step) and its val loss" + (cdt === undefined ? "" : " (target " + f(cdt, 4) + ")"),
       (m) => (m.countdown.step === undefined ? "-" : `${m.countdown.step}, ${f(m.countdown.val_next_token_loss, 4)}`));
  both("countdown pass@1 [95% CI] (4.5)", (m) => `${f(m.countdown.result.pass_at_1)} [${f(m.countdown.result.ci_lo)}, ${f(m.countdown.result.ci_hi)}] of ${m.countdown.result.specs}`);
}
console.log("| metric | GPT | FTP |\n|---|---|---|");
for (const r of rows) console.log(`| ${r[0]} | ${r[1]} | ${r[2]} |`);
