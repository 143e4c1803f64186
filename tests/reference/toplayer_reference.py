"""Neural-collapse statistics and linear CKA in PyTorch (float64), written from
the definitions in docs/evaluation.md, for tests/test_toplayer_reference.sh.
Reads the case test_toplayer_metrics --dump writes; prints
nc1 norm_cv cos_mean cos_std nc3 nc4 cka."""
import sys

import numpy as np
import torch

raw = open(sys.argv[1], "rb").read()
n, d, K, q = np.frombuffer(raw[:16], dtype=np.int32)
off = 16
def take(count, dtype):
    global off
    a = np.frombuffer(raw[off:off + 4 * count], dtype=dtype)
    off += 4 * count
    return a
X = torch.tensor(take(n * d, np.float32).reshape(n, d), dtype=torch.float64)
y = torch.tensor(take(n, np.int32).astype(np.int64))
W = torch.tensor(take(K * d, np.float32).reshape(K, d), dtype=torch.float64)
Y = torch.tensor(take(n * q, np.float32).reshape(n, q), dtype=torch.float64)

mu = torch.stack([X[y == k].mean(0) for k in range(K)])
M = mu - mu.mean(0)                      # centred on the unweighted mean of the class means
D = X - mu[y]
Sw = D.T @ D / n
Sb = M.T @ M / K
nc1 = torch.trace(Sw @ torch.linalg.pinv(Sb, hermitian=True)) / K
norms = M.norm(dim=1)
norm_cv = norms.std(unbiased=False) / norms.mean()
Mn = M / norms[:, None]
cos = (Mn @ Mn.T)[torch.triu(torch.ones(K, K, dtype=torch.bool), 1)]
nc3 = (W / W.norm() - M / M.norm()).norm()
nearest = torch.cdist(X, mu).argmin(1)
nc4 = (nearest == (X @ W.T).argmax(1)).double().mean()
Xc, Yc = X - X.mean(0), Y - Y.mean(0)
cka = (Yc.T @ Xc).norm() ** 2 / ((Xc.T @ Xc).norm() * (Yc.T @ Yc).norm())
vals = [nc1, norm_cv, cos.mean(), cos.std(unbiased=False), nc3, nc4, cka]
print(" ".join("%.10g" % float(v) for v in vals))
