"""Writes tests/fixtures/ftp_small.safetensors: a small FTP model (N=4, P=3,
L_d=2, decoder heads 2, padded vocabulary), its weights, a batch, per-offset
losses, every decoder logit, every parameter gradient (the shared wte collects
gradient from the encoder input, the decoder input and the tied head), and 10
AdamW steps. Also a ftp.positions case: the loss over fixed positions [B,K].
Also tests/fixtures/ftp_untied.safetensors: the same model with ftp.tie_dec_embd=0,
whose decoder reads its own dec.wte (drawn independently, so a decoder that read
wte instead would show in every logit; wte's gradient then comes from the encoder
input and the head only). The C parity test (tests/test_ftp_parity.c) loads both
and compares."""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import futurelm_ref as ref  # noqa: E402

CFG = dict(type="ftp", vocab_size=97, block_size=16, n_layer=2, n_head=4, n_embd=32,
           n_future=4, pseudo_len=3, gamma=0.8, dec_layers=2, dec_heads=2, positions=0)
B, STEPS, K = 3, 10, 5
OPT = dict(lr=1e-3, beta1=0.9, beta2=0.95, eps=1e-8, weight_decay=0.1, grad_clip=1.0)


def write_fixture(path, cfg):
    gen = torch.Generator().manual_seed(4321)
    p = ref.init_params(cfg, gen, perturb=0.1)
    T, N = cfg["block_size"], cfg["n_future"]
    batches = torch.randint(0, cfg["vocab_size"], (STEPS, B, T + N), generator=gen, dtype=torch.int64)
    out = {"param." + n: t.detach().clone() for n, t in p.items()}

    loss, offsets, logits = ref.ftp_loss(p, cfg, batches[0])
    loss.backward()
    out["tokens"] = batches[0].to(torch.int32)
    out["logits"] = logits.detach()
    out["loss"] = loss.detach().reshape(1)
    out["offset_losses"] = offsets.detach()
    for n, t in p.items():
        out["grad." + n] = t.grad.detach().clone()

    # ftp.positions: the loss over K given positions per sequence
    pos = torch.stack([torch.randperm(T, generator=gen)[:K].sort().values for _ in range(B)])
    with torch.no_grad():
        ploss, poffsets, _ = ref.ftp_loss(p, cfg, batches[0], positions=pos)
    out["positions"] = pos.to(torch.int32)
    out["positions_loss"] = ploss.reshape(1)
    out["positions_offset_losses"] = poffsets

    step_losses = ref.train_steps(p, lambda batch: ref.ftp_loss(p, cfg, batch), batches, OPT)
    out["train_tokens"] = batches.to(torch.int32)
    out["step_losses"] = torch.tensor(step_losses, dtype=torch.float32)
    meta = {**cfg, **OPT, "batch_size": B, "steps": STEPS, "K": K}
    ref.write_safetensors(path, out, meta)
    print(f"ok - ftp reference fixture {os.path.basename(path)} written (loss {step_losses[0]:.6f}, {len(p)} tensors)")


def main(outdir):
    torch.set_num_threads(1)
    write_fixture(os.path.join(outdir, "ftp_small.safetensors"), CFG)
    write_fixture(os.path.join(outdir, "ftp_untied.safetensors"), {**CFG, "tie_dec_embd": 0})


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures")
