import sys, base64, collections, subprocess
# naive reference: chunks from futurelm's own pre-tokenizer via the r50k encoder is not available; use python regex-free split via node? simpler: use `regex` if present
import json
text = open(sys.argv[1], 'rb').read()
# get chunks from node with the same pattern (JS \s differs only on U+0085/U+FEFF, absent here)
out = subprocess.run(['node','-e','''
const fs=require("fs");const t=fs.readFileSync(process.argv[1],"utf8");
const re=/'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+/gu;
const m=t.match(re);const c={};for(const x of m)c[x]=(c[x]||0)+1;process.stdout.write(JSON.stringify(c));''', sys.argv[1]], capture_output=True).stdout
counts = json.loads(out)
words = {tuple(k.encode()): v for k, v in counts.items()}
toks = [bytes([b]) for b in range(256)]; idx = {t:i for i,t in enumerate(toks)}
words = {tuple(w): c for w, c in words.items()}
while len(toks) < int(sys.argv[2]) - 1:
    pc = collections.Counter()
    for w, c in words.items():
        for a, b in zip(w, w[1:]): pc[(a, b)] += c
    if not pc: break
    best = min(pc.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    nb = toks[best[0]] + toks[best[1]]
    if nb in idx: z = idx[nb]
    else: z = len(toks); toks.append(nb); idx[nb] = z
    nw = {}
    for w, c in words.items():
        o = []; i = 0
        while i < len(w):
            if i + 1 < len(w) and (w[i], w[i+1]) == best: o.append(z); i += 2
            else: o.append(w[i]); i += 1
        nw[tuple(o)] = nw.get(tuple(o), 0) + c
    words = nw
for i, t in enumerate(toks): print(base64.b64encode(t).decode(), i)
