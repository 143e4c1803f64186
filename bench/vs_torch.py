#!/usr/bin/python3
"""futurelm against PyTorch: training throughput of the same models, side by side.

    /usr/bin/python3 bench/vs_torch.py [--threads N] [--steps N] [--model gpt|ftp|both] [--futurelm ./futurelm]
                                       [--allow-reference-blas]

Same configs as `futurelm bench` (GPT: C=384 L=6 H=6 T=256 V=8192 B=8; FTP: the
same encoder, N=8 P=8 L_d=3, all T positions), same batch, same thread count
(torch.set_num_threads and futurelm --threads), and the same step: zero grads,
forward + backward, clip to 1.0, AdamW. PyTorch runs tests/reference/
futurelm_ref.py's models (the ones the parity tests check futurelm against).
Each side reports the median step time over --steps after one warm-up step;
tokens/s = B*T / step time.

PyTorch gets its best BLAS, or the script refuses (exit 1): a baseline run
on the reference (netlib) BLAS is several times slower than PyTorch can be,
and any ratio to it would mean nothing. Debian's torch has BLAS_INFO=generic,
so its matrix products go to libblas.so.3, which update-alternatives points at
OpenBLAS when libopenblas0-pthread (or -openmp) is installed and at the
reference BLAS otherwise; a torch wheel carries MKL itself. The script checks
which library torch actually mapped after a product (torch.__config__.show(),
/proc/self/maps) and, for OpenBLAS, the kernel it chose
(openblas_get_corename). An OpenBLAS too old for the CPU falls back to an
older core (0.3.21 runs Sapphire Rapids on a generic kernel): then, and only
then, OPENBLAS_CORETYPE names the best core the CPU's /proc/cpuinfo flags
support (SkylakeX needs AVX-512 F/CD/BW/DQ/VL, Haswell AVX2 and FMA,
Sandybridge AVX), never an instruction set the CPU lacks; a value the caller
set is kept if the CPU has its instructions and refused otherwise.
--allow-reference-blas runs on the reference BLAS anyway (saying so).
"""
import argparse
import ctypes
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

GPT = dict(type="gpt", vocab_size=8192, block_size=256, n_layer=6, n_head=6, n_embd=384)
FTP = dict(GPT, type="ftp", n_future=8, pseudo_len=8, gamma=0.8, dec_layers=3, dec_heads=0)
OPT = dict(lr=6e-4, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.1, grad_clip=1.0)

# OpenBLAS x86 core names by the widest vector kernels they use: 3 AVX-512,
# 2 AVX2 + FMA, 1 AVX, 0 SSE or generic (anything not listed).
CORE_ISA = {"skylakex": 3, "cooperlake": 3, "sapphirerapids": 3,
            "haswell": 2, "zen": 2, "excavator": 2,
            "sandybridge": 1, "bulldozer": 1, "piledriver": 1, "steamroller": 1}
# The core to name for each level, and the /proc/cpuinfo flags it needs.
ISA_CORE = {3: ("SkylakeX", ("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl")),
            2: ("Haswell", ("avx2", "fma")),
            1: ("Sandybridge", ("avx",))}
DEBIAN_FIX = ("apt-get install libopenblas0-pthread  (or libopenblas0-openmp); update-alternatives then points "
              "libblas.so.3 at it (check: update-alternatives --display libblas.so.3-x86_64-linux-gnu)")


def cpu_flags(cpuinfo_text):
    """The instruction-set flags of the first CPU in /proc/cpuinfo's text."""
    for line in cpuinfo_text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def cpu_isa(flags):
    """The widest OpenBLAS kernel level (see CORE_ISA) whose instructions the CPU has."""
    for level in (3, 2, 1):
        if all(f in flags for f in ISA_CORE[level][1]):
            return level
    return 0


def choose_coretype(detected_core, flags, preset):
    """OPENBLAS_CORETYPE to set before OpenBLAS loads: (value or None, why).

    detected_core: what OpenBLAS picks on its own (None: not OpenBLAS, or unknown);
    preset: the caller's OPENBLAS_CORETYPE (None if unset). Raises ValueError
    for a preset naming instructions the CPU lacks."""
    have = cpu_isa(flags)
    if preset:
        need = CORE_ISA.get(preset.lower(), 0)
        if need > have:
            raise ValueError(f"OPENBLAS_CORETYPE={preset} needs instructions this CPU lacks "
                             f"({', '.join(f for f in ISA_CORE[need][1] if f not in flags)}); unset it")
        return preset, "set by the caller"
    if detected_core is None:
        return None, "not OpenBLAS: nothing to set"
    got = CORE_ISA.get(detected_core.lower(), 0)
    if got >= have:
        return None, f"OpenBLAS chose {detected_core} itself, the best this CPU supports"
    core = ISA_CORE[have][0]
    return core, f"OpenBLAS chose {detected_core} on a CPU that runs {core} kernels"


def classify_blas(config_show, mapped, openblas_core):
    """Which BLAS torch multiplies with: 'mkl', 'openblas', 'blis', 'reference' or 'unknown'.

    config_show: torch.__config__.show(); mapped: realpaths of the BLAS-like
    libraries mapped in the process after a product; openblas_core: what
    openblas_get_corename returned from one of them (None: no such symbol)."""
    info = " ".join(l for l in config_show.splitlines() if "BLAS_INFO" in l or "USE_MKL" in l).lower()
    if openblas_core is not None or any("openblas" in p for p in mapped):
        return "openblas"
    if any("mkl" in p for p in mapped) or "blas_info=mkl" in info:
        return "mkl"
    if any("blis" in p for p in mapped):
        return "blis"
    if any(os.path.basename(p).startswith("libblas") for p in mapped):
        return "reference"  # libblas.so.3 without OpenBLAS's symbols: netlib's
    return "unknown"


def loaded_blas():
    """Shared libraries providing BLAS that this process has mapped."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            if any(k in os.path.basename(path) for k in ("blas", "mkl", "blis")):
                libs.add(os.path.realpath(path))
    return sorted(libs)


def openblas_core(path):
    """OpenBLAS's chosen core and build config from a library, or (None, None)."""
    try:
        lib = ctypes.CDLL(path)
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode(), lib.openblas_get_config().decode()
    except (OSError, AttributeError):
        return None, None


def probe_default_core():
    """The core OpenBLAS picks with no OPENBLAS_CORETYPE, in a child process
    (the variable is read once, when the library loads)."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    code = ("import ctypes,sys\ntry:\n l=ctypes.CDLL('libblas.so.3'); l.openblas_get_corename.restype=ctypes.c_char_p;"
            " print(l.openblas_get_corename().decode())\nexcept (OSError, AttributeError): print('')")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout.strip()
    return out or None


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


def setup_blas(allow_reference):
    """Sets OPENBLAS_CORETYPE where needed, imports torch, checks what it multiplies with; returns (torch, summary)."""
    with open("/proc/cpuinfo") as f:
        flags = cpu_flags(f.read())
    try:
        core, why = choose_coretype(probe_default_core(), flags, os.environ.get("OPENBLAS_CORETYPE"))
    except ValueError as e:
        sys.exit(f"vs_torch.py: error: {e}")
    if core:
        os.environ["OPENBLAS_CORETYPE"] = core
    import torch
    torch.ones(256, 256) @ torch.ones(256, 256)  # maps the BLAS torch uses
    mapped = loaded_blas()
    found = [c for c in (openblas_core(p) for p in mapped) if c[0]]
    kind = classify_blas(torch.__config__.show(), mapped, found[0][0] if found else None)
    summary = (f"BLAS: {kind} ({', '.join(mapped) or 'linked into torch'})"
               + (f", core {found[0][0]} ({found[0][1]})" if found else "")
               + f"; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')} ({why})")
    if kind == "reference":
        msg = f"torch is using the reference (netlib) BLAS, far slower than its best: install OpenBLAS: {DEBIAN_FIX}"
        if not allow_reference:
            sys.exit(f"vs_torch.py: error: {msg}; or pass --allow-reference-blas to measure it anyway\n{summary}")
        print(f"vs_torch.py: warning: {msg}; measuring anyway (--allow-reference-blas)", file=sys.stderr)
    return torch, summary


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--model", choices=("gpt", "ftp", "both"), default="both")
    ap.add_argument("--futurelm", default=os.path.join(HERE, "..", "futurelm"))
    ap.add_argument("--allow-reference-blas", action="store_true",
                    help="measure PyTorch even on the reference (netlib) BLAS (a meaningless baseline)")
    args = ap.parse_args()
    if args.threads < 1 or args.steps < 1 or args.batch < 1:
        sys.exit("vs_torch.py: error: --threads, --steps and --batch must be positive")
    if not os.access(args.futurelm, os.X_OK):
        sys.exit(f"vs_torch.py: error: no futurelm binary at {args.futurelm}; run make first or pass --futurelm")

    global torch, ref  # torch_step_times uses both; imported only once the BLAS is set up
    torch, blas = setup_blas(args.allow_reference_blas)
    sys.path.insert(0, os.path.join(HERE, "..", "tests", "reference"))
    import futurelm_ref as ref
    cmd = [args.futurelm, "bench", "--json", "--no-gemm", "--threads", str(args.threads), "--steps",
           str(args.steps), "--batch", str(args.batch), "--model", args.model]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    ours = {m["model"]: m for m in json.loads(out)["models"]}

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); {blas}")
    rows = []
    for name, cfg in (("gpt", GPT), ("ftp", FTP)):
        if args.model not in (name, "both"):
            continue
        t = statistics.median(torch_step_times(cfg, args.batch, args.steps))
        torch_tps = args.batch * cfg["block_size"] / t
        rows.append((name, ours[name]["ms_per_step"], ours[name]["tokens_per_s"], t * 1e3, torch_tps))
    print(f"\n{'model':6} {'futurelm ms':>12} {'futurelm tok/s':>15} {'torch ms':>10} {'torch tok/s':>12} "
          f"{'futurelm/torch':>15}")
    for name, fms, ftps, tms, ttps in rows:
        print(f"{name:6} {fms:12.1f} {ftps:15.0f} {tms:10.1f} {ttps:12.0f} {ftps / ttps:15.2f}")
    print(json.dumps({"threads": args.threads, "blas": blas, "steps": args.steps, "batch": args.batch,
                      "results": [dict(model=r[0], futurelm_tokens_per_s=round(r[2], 1),
                                       torch_tokens_per_s=round(r[4], 1), ratio=round(r[2] / r[4], 3))
                                  for r in rows]}))


if __name__ == "__main__":
    main()
