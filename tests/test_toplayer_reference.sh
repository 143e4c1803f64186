#!/bin/sh
# The neural-collapse statistics and linear CKA of src/eval/metrics against
# PyTorch (tests/reference/toplayer_reference.py, float64, torch.linalg.pinv
# for Sb^+, the d x d route): a clustered case with unequal class sizes, every
# number within 1e-5 relative (the C side reads float32 vectors).
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
PY=${PYTHON:-/usr/bin/python3}
BIN=${FL_BUILD:-build/opt}/tests/test_toplayer_metrics
"$PY" -c "import torch" 2>/dev/null || { echo "skip - toplayer reference: no torch for $PY"; exit 0; }
"$BIN" --dump "$T" >"$T/c" || { bad "test_toplayer_metrics --dump"; exit 1; }
"$PY" tests/reference/toplayer_reference.py "$T/case.bin" >"$T/t" 2>"$T/err" || { bad "reference: $(tail -n 1 "$T/err")"; exit 1; }
names="NC1 NC2-norm-CV NC2-cos-mean NC2-cos-std NC3 NC4 CKA"
i=1
for name in $names; do
    c=$(cut -d' ' -f$i "$T/c") t=$(cut -d' ' -f$i "$T/t")
    check "toplayer metrics: $name $c matches PyTorch's $t" \
        "awk -v c=$c -v t=$t 'BEGIN { d = c - t; if (d < 0) d = -d; s = t < 0 ? -t : t; exit !(d <= 1e-5 * (s > 1e-3 ? s : 1e-3)) }'"
    i=$((i + 1))
done
