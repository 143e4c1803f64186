// Markdown tables of a star-graph experiment (scripts/train-stargraph.sh): reads DIR/MODEL_sSEED.eval.json
// (each `futurelm stargraph eval --json`), prints one row per run (exact path, first step, rest given
// the first step, each with its bootstrap interval over the held-out graphs), then for each model the
// mean over seeds with a 95% Student-t interval over seeds, and the paired difference FTP - GPT
// (seed i with seed i) with its t-interval and a sign count.
//   node scripts/stargraph-table.js runs/stargraph [SUFFIX]
// SUFFIX picks other evaluations of the same runs, e.g. "_step9000" reads MODEL_sSEED_step9000.eval.json.
"use strict";
const fs = require("fs");
const path = require("path");
const dir = process.argv[2];
const suffix = process.argv[3] || "";
if (!dir) {
  console.error("usage: node scripts/stargraph-table.js DIR [SUFFIX]");
  process.exit(2);
}
const re = new RegExp(`^(gpt|ftp)_s(\\d+)${suffix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.eval\\.json$`);
const runs = { gpt: {}, ftp: {} };
for (const name of fs.readdirSync(dir).sort()) {
  const m = name.match(re);
  if (!m) continue;
  const j = JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"));
  if (!j.stargraph) {
    console.error(`${name}: no "stargraph" object (not written by futurelm stargraph eval --json)`);
    process.exit(1);
  }
  runs[m[1]][Number(m[2])] = j;
}
const keys = ["exact", "first", "rest"];
const f = (x) => (x === null || x === undefined || Number.isNaN(x) ? "-" : x.toFixed(3));
const ci = (s) => `${f(s.acc)} [${f(s.lo)}, ${f(s.hi)}]`;

// Student t: the density integrated by Simpson's rule (its tails decay fast enough for df >= 1 on
// [0, x] with 2000 panels: error < 1e-7 for the quantiles used here), the 0.975 quantile by bisection.
function lgamma(x) { // Lanczos, g = 7, 9 terms
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}
function tcdf(x, df) { // P(T <= x) for x >= 0
  const k = Math.exp(lgamma((df + 1) / 2) - lgamma(df / 2)) / Math.sqrt(df * Math.PI);
  const dens = (u) => k * Math.pow(1 + (u * u) / df, -(df + 1) / 2);
  const n = 2000, h = x / n;
  let s = dens(0) + dens(x);
  for (let i = 1; i < n; i++) s += dens(i * h) * (i % 2 ? 4 : 2);
  return 0.5 + (s * h) / 3;
}
function tq975(df) {
  let lo = 0, hi = 1000;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (tcdf(mid, df) < 0.975) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
// mean and 95% t-interval of v (n >= 2), or the value alone for n = 1
function stats(v) {
  const n = v.length;
  const mean = v.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, lo: null, hi: null };
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (n - 1));
  const hw = (tq975(n - 1) * sd) / Math.sqrt(n);
  return { n, mean, lo: mean - hw, hi: mean + hw };
}
// an interval printed inside the range the quantity can take ([0, 1] for an accuracy, [-1, 1] for a
// difference), with "clipped" when the t-interval reached past it
const st = (s, lo = 0, hi = 1) => {
  if (s.lo === null) return `${f(s.mean)} (n=1: no interval)`;
  const clip = s.lo < lo || s.hi > hi;
  return `${f(s.mean)} [${f(Math.max(s.lo, lo))}, ${f(Math.min(s.hi, hi))}]${clip ? " (clipped)" : ""}`;
};

console.log("| run | step | exact path | first step (chance 1/D) | rest given the true first step | verdicts |");
console.log("|---|---|---|---|---|---|");
for (const model of ["gpt", "ftp"])
  for (const seed of Object.keys(runs[model]).map(Number).sort((a, b) => a - b)) {
    const j = runs[model][seed], s = j.stargraph;
    const v = Object.entries(s.verdicts).filter(([, c]) => c > 0).map(([k, c]) => `${k} ${c}`).join(", ");
    console.log(`| ${model} seed ${seed} | ${j.step} | ${ci(s.exact)} | ${ci(s.first)} | ${ci(s.rest)} | ${v} |`);
  }
console.log("\n| over seeds (95% t-interval) | exact path | first step | rest given the true first step |");
console.log("|---|---|---|---|");
for (const model of ["gpt", "ftp"]) {
  const seeds = Object.keys(runs[model]).map(Number).sort((a, b) => a - b);
  if (!seeds.length) continue;
  const cells = keys.map((k) => st(stats(seeds.map((s) => runs[model][s].stargraph[k].acc))));
  console.log(`| ${model}, ${seeds.length} seed(s) | ${cells.join(" | ")} |`);
}
const paired = Object.keys(runs.gpt).map(Number).filter((s) => runs.ftp[s]).sort((a, b) => a - b);
if (paired.length) {
  const cells = keys.map((k) => {
    const d = paired.map((s) => runs.ftp[s].stargraph[k].acc - runs.gpt[s].stargraph[k].acc);
    const up = d.filter((x) => x > 0).length, down = d.filter((x) => x < 0).length;
    return `${st(stats(d), -1, 1)}; FTP higher in ${up}, lower in ${down} of ${d.length}`;
  });
  console.log(`| FTP - GPT, paired by seed (${paired.join(", ")}) | ${cells.join(" | ")} |`);
}
