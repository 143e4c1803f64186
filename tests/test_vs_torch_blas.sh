#!/bin/sh
# bench/vs_torch.py's BLAS decisions on made-up machines (no torch, no timing):
# which OPENBLAS_CORETYPE it sets (only when OpenBLAS chose a core below what
# the CPU's flags support, never one whose instructions the CPU lacks) and how
# it names the BLAS torch mapped (the reference BLAS is refused by the script).
cd "$(dirname "$0")/.." || exit 1
PY=${PYTHON:-/usr/bin/python3}
"$PY" - <<'PY'
import sys
sys.path.insert(0, "bench")
import vs_torch as v

def check(ok, name, got):
    print(("ok - " if ok else "not ok - ") + name + ("" if ok else f": got {got!r}"))

zen3 = v.cpu_flags("processor : 0\nflags\t\t: fpu sse sse2 avx avx2 fma bmi2\n")
spr = v.cpu_flags("flags : sse2 avx avx2 fma avx512f avx512cd avx512bw avx512dq avx512vl avx512_bf16\n")
old = v.cpu_flags("flags : sse2 sse4_2\n")
check(zen3 == {"fpu", "sse", "sse2", "avx", "avx2", "fma", "bmi2"}, "cpu_flags reads /proc/cpuinfo's flags line", zen3)
for flags, core, want, name in [
        (zen3, "Zen", None, "AVX2 CPU, OpenBLAS chose Zen: nothing set"),
        (zen3, "Haswell", None, "AVX2 CPU, OpenBLAS chose Haswell: nothing set"),
        (zen3, "Prescott", "Haswell", "AVX2 CPU, OpenBLAS fell back to Prescott: Haswell"),
        (spr, "Haswell", "SkylakeX", "AVX-512 CPU that OpenBLAS 0.3.21 runs as Haswell: SkylakeX"),
        (spr, "SapphireRapids", None, "AVX-512 CPU, OpenBLAS chose SapphireRapids: nothing set"),
        (old, "Nehalem", None, "SSE-only CPU: nothing set"),
        (spr, None, None, "not OpenBLAS (MKL, reference): nothing set")]:
    got = v.choose_coretype(core, flags, None)[0]
    check(got == want, name, got)
try:
    v.choose_coretype("Haswell", zen3, "SkylakeX")
    check(False, "OPENBLAS_CORETYPE=SkylakeX on an AVX2 CPU is refused", "accepted")
except ValueError as e:
    check("avx512f" in str(e), "OPENBLAS_CORETYPE=SkylakeX on an AVX2 CPU is refused, naming what it lacks", str(e))
check(v.choose_coretype("SkylakeX", spr, "Haswell")[0] == "Haswell", "a caller's core the CPU can run is kept",
      v.choose_coretype("SkylakeX", spr, "Haswell"))
ref = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0"
obl = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"
for args, want, name in [
        (("  - BLAS_INFO=generic", [ref], None), "reference", "Debian torch on netlib's libblas.so.3: reference"),
        (("  - BLAS_INFO=generic", [obl], "Haswell"), "openblas", "Debian torch on OpenBLAS's libblas.so.3: openblas"),
        (("  - BLAS_INFO=generic", ["/opt/x/libopenblasp-r0.3.26.so"], None), "openblas", "a wheel's OpenBLAS"),
        (("  - BLAS_INFO=mkl\n  - USE_MKL=ON", [], None), "mkl", "a wheel with MKL linked in: mkl"),
        (("  - BLAS_INFO=generic", [], None), "unknown", "nothing mapped: unknown, not reference")]:
    got = v.classify_blas(*args)
    check(got == want, name, got)
PY
