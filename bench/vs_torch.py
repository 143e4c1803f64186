#!/usr/bin/python3
"""futurelm against PyTorch: training throughput of the same models, side by side.

    /usr/bin/python3 bench/vs_torch.py [--threads N] [--steps N] [--model gpt|ftp|both] [--futurelm ./futurelm]

Same configs as `futurelm bench` (GPT: C=384 L=6 H=6 T=256 V=8192 B=8; FTP: the
same encoder, N=8 P=8 L_d=3, all T positions), same batch, same thread count
(torch.set_num_threads and futurelm --threads), and the same step: zero grads,
forward + backward, clip to 1.0, AdamW. PyTorch runs tests/reference/
futurelm_ref.py's models (the ones the parity tests check futurelm against).
Each side reports the median step time over --steps after one warm-up step;
tokens/s = B*T / step time.

PyTorch gets its best available BLAS: Debian's torch has BLAS_INFO=generic, so
its matrix products go to libblas.so.3, which the alternatives system points
at OpenBLAS. Debian's OpenBLAS 0.3.21 does not recognise Sapphire Rapids and
falls back to a slow generic kernel unless OPENBLAS_CORETYPE names a core it
knows, so this script sets OPENBLAS_CORETYPE=SkylakeX (AVX-512 kernels) unless
the caller already set it. The BLAS library actually loaded is printed.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("OPENBLAS_CORETYPE", "SkylakeX")

import torch  # noqa: E402  (after the environment is set for OpenBLAS)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "reference"))
import futurelm_ref as ref  # noqa: E402

GPT = dict(type="gpt", vocab_size=8192, block_size=256, n_layer=6, n_head=6, n_embd=384)
FTP = dict(GPT, type="ftp", n_future=8, pseudo_len=8, gamma=0.8, dec_layers=3, dec_heads=0)
OPT = dict(lr=6e-4, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.1, grad_clip=1.0)


def loaded_blas():
    """Shared libraries providing BLAS that this process has mapped."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            if any(k in path for k in ("blas", "mkl", "blis")):
                libs.add(os.path.realpath(path))
    return sorted(libs)


def torch_step_times(cfg, B, steps):
    T = cfg["block_size"]
    g = torch.Generator().manual_seed(1)
    params = ref.init_params(cfg, g)
    W = T + (cfg["n_future"] if cfg["type"] == "ftp" else 1)
    window = torch.randint(0, cfg["vocab_size"], (B, W), generator=g)
    loss_fn = (lambda w: ref.ftp_loss(params, cfg, w)) if cfg["type"] == "ftp" else \
        (lambda w: ref.gpt_loss(params, cfg, w))
    decay = [t for t in params.values() if t.dim() == 2]
    no_decay = [t for t in params.values() if t.dim() != 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": OPT["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=OPT["lr"], betas=(OPT["beta1"], OPT["beta2"]), eps=OPT["eps"])
    times = []
    for s in range(steps + 1):  # step 0: warm-up
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(window)[0]
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(params.values()), OPT["grad_clip"])
        opt.step()
        if s:
            times.append(time.perf_counter() - t0)
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--model", choices=("gpt", "ftp", "both"), default="both")
    ap.add_argument("--futurelm", default=os.path.join(HERE, "..", "futurelm"))
    args = ap.parse_args()
    if args.threads < 1 or args.steps < 1 or args.batch < 1:
        sys.exit("vs_torch.py: error: --threads, --steps and --batch must be positive")
    if not os.access(args.futurelm, os.X_OK):
        sys.exit(f"vs_torch.py: error: no futurelm binary at {args.futurelm}; run make first or pass --futurelm")

    cmd = [args.futurelm, "bench", "--json", "--no-gemm", "--threads", str(args.threads), "--steps",
           str(args.steps), "--batch", str(args.batch), "--model", args.model]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    ours = {m["model"]: m for m in json.loads(out)["models"]}

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE')}")
    print("torch build: " + [l.strip() for l in torch.__config__.show().splitlines() if "BLAS_INFO" in l][0][:60]
          + "...")
    rows = []
    for name, cfg in (("gpt", GPT), ("ftp", FTP)):
        if args.model not in (name, "both"):
            continue
        t = statistics.median(torch_step_times(cfg, args.batch, args.steps))
        torch_tps = args.batch * cfg["block_size"] / t
        rows.append((name, ours[name]["ms_per_step"], ours[name]["tokens_per_s"], t * 1e3, torch_tps))
    print("BLAS loaded by torch: " + (", ".join(loaded_blas()) or "none found"))
    print(f"\n{'model':6} {'futurelm ms':>12} {'futurelm tok/s':>15} {'torch ms':>10} {'torch tok/s':>12} "
          f"{'futurelm/torch':>15}")
    for name, fms, ftps, tms, ttps in rows:
        print(f"{name:6} {fms:12.1f} {ftps:15.0f} {tms:10.1f} {ttps:12.0f} {ftps / ttps:15.2f}")
    print(json.dumps({"threads": args.threads, "steps": args.steps, "batch": args.batch,
                      "results": [dict(model=r[0], futurelm_tokens_per_s=round(r[2], 1),
                                       torch_tokens_per_s=round(r[4], 1), ratio=round(r[2] / r[4], 3))
                                  for r in rows]}))


if __name__ == "__main__":
    main()
