#!/usr/bin/env python3
"""Build tiny but real Argos Translate packages (.argosmodel) for the test suite.

Each package holds what argostranslate 1.11 loads from a real one:

    translate-ar_en-test-1_0/
        metadata.json          from_code, to_code, names, versions (argostranslate/package.py)
        README.md
        sentencepiece.model    one SentencePiece model for source and target (argos uses one)
        model/                 CTranslate2 TransformerSpec, int8 weights
        minisbd/<from>.onnx    rule-based sentence splitter in MiniSBD's ONNX format

The translation model is a small pre-norm Transformer trained with torch until it
reproduces every pair of the parallel corpus exactly, checked on the int8
CTranslate2 model itself (greedy, CTranslate2's default beam 2, and beam 4 with
length_penalty 0.2 as argostranslate 1.11 decodes).

Needs (build only, not the tests): torch, ctranslate2, sentencepiece, onnx, numpy.
Usage:  python tools/build_test_models.py --out tests/fixtures/models
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from test_models_sbd import build_sbd_model  # rule-based MiniSBD splitter, beside this file

LANG_NAMES = {"ar": "Arabic", "en": "English", "fr": "French"}
SPECIALS = ["<blank>", "<unk>", "<s>", "</s>"]  # CTranslate2 ids 0..3; 1..3 are SentencePiece's 0..2
PAD, BOS, EOS = 0, 2, 3
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


# ----------------------------------------------------------------------------- corpus
def read_corpus(path: Path) -> dict[str, list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    cols: dict[str, list[str]] = {lang: [] for lang in header}
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != len(header):
            raise SystemExit(f"{path}:{n}: expected {len(header)} tab-separated columns, got {len(cells)}")
        for lang, cell in zip(header, cells):
            if cell != cell.strip() or "  " in cell or "_" in cell and lang != header[0]:
                raise SystemExit(f"{path}:{n}: column {lang!r} has extra spaces or an underscore "
                                 "(argostranslate decodes '_' as a space)")
            cols[lang].append(cell)
    return cols


def pairs_for(cols: dict[str, list[str]], src: str, tgt: str) -> list[tuple[str, str]]:
    """Unique (source, target) pairs; the same source must always have the same target."""
    seen: dict[str, str] = {}
    for s, t in zip(cols[src], cols[tgt]):
        if seen.setdefault(s, t) != t:
            raise SystemExit(f"corpus: {src} text {s!r} has two {tgt} translations: {seen[s]!r} / {t!r}")
    return list(seen.items())


# ----------------------------------------------------------------------------- sentencepiece
def train_sentencepiece(texts: list[str], vocab_size: int) -> bytes:
    import sentencepiece as spm

    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts), model_writer=model, model_type="bpe",
        vocab_size=vocab_size, hard_vocab_limit=False, character_coverage=1.0,
        normalization_rule_name="identity",  # keep text byte-exact so outputs compare exactly
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=1, minloglevel=3)
    return model.getvalue()


# ----------------------------------------------------------------------------- torch model
def build_torch_model(vocab: int, d: int, heads: int, ff: int, layers: tuple[int, int], eps: float):
    """Pre-norm Transformer computing exactly what CTranslate2's TransformerSpec computes."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = nn.LayerNorm(d, eps=eps)
            self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

        def forward(self, x, mem=None, mask=None):
            h = self.norm(x)
            kv = h if mem is None else mem  # CTranslate2 normalises only the queries' input

            def split(t):
                return t.view(t.shape[0], t.shape[1], heads, d // heads).transpose(1, 2)

            out = F.scaled_dot_product_attention(split(self.q(h)), split(self.k(kv)), split(self.v(kv)),
                                                 attn_mask=mask)
            return x + self.o(out.transpose(1, 2).reshape(x.shape))

    class FFN(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm, self.l0, self.l1 = nn.LayerNorm(d, eps=eps), nn.Linear(d, ff), nn.Linear(ff, d)

        def forward(self, x):
            return x + self.l1(F.relu(self.l0(self.norm(x))))

    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab, d)  # tied: encoder, decoder and output projection
            nn.init.normal_(self.emb.weight, std=d ** -0.5)
            self.enc = nn.ModuleList(nn.ModuleList([Attention(), FFN()]) for _ in range(layers[0]))
            self.dec = nn.ModuleList(nn.ModuleList([Attention(), Attention(), FFN()]) for _ in range(layers[1]))
            self.enc_norm, self.dec_norm = nn.LayerNorm(d, eps=eps), nn.LayerNorm(d, eps=eps)

        def embed(self, ids):
            # CTranslate2 scales embeddings by sqrt(d) and, without explicit encodings, adds its
            # own sinusoidal table: positions start at 1, [sin | cos], log(1e4) / (d/2 - 1).
            half = d // 2
            inc = math.log(10000.0) / (half - 1)
            scales = torch.exp(torch.arange(half, dtype=torch.float32) * -inc)
            t = (torch.arange(ids.shape[1], dtype=torch.float32) + 1)[:, None] * scales[None]
            return self.emb(ids) * math.sqrt(d) + torch.cat([torch.sin(t), torch.cos(t)], -1)

        def forward(self, src, tgt_in):
            src_mask = (src != PAD)[:, None, None, :]
            x = self.embed(src)
            for att, ffn in self.enc:
                x = ffn(att(x, mask=src_mask))
            mem = self.enc_norm(x)
            T = tgt_in.shape[1]
            causal = torch.ones(T, T, dtype=torch.bool).tril()[None, None]
            y = self.embed(tgt_in)
            for att, cross, ffn in self.dec:
                y = ffn(cross(att(y, mask=causal), mem=mem, mask=src_mask))
            return F.linear(self.dec_norm(y), self.emb.weight)

    return Seq2Seq()


def to_ct2_spec(model, d: int, heads: int, layers: tuple[int, int], eps: float, tokens: list[str],
                quantization: str = "int8"):
    """Copy the torch weights into ctranslate2.specs.TransformerSpec (pre-norm, ReLU)."""
    import ctranslate2

    def np32(t):
        return t.detach().cpu().numpy().astype(np.float32)

    def norm(spec, ln):
        spec.gamma, spec.beta = np32(ln.weight), np32(ln.bias)

    def linear(spec, *mods):  # several torch Linears -> one fused CTranslate2 linear
        spec.weight = np.concatenate([np32(m.weight) for m in mods], 0)
        spec.bias = np.concatenate([np32(m.bias) for m in mods], 0)

    spec = ctranslate2.specs.TransformerSpec.from_config(layers, heads, pre_norm=True)
    spec.config.layer_norm_epsilon = eps
    emb = np32(model.emb.weight)
    spec.encoder.embeddings[0].weight = emb
    spec.decoder.embeddings.weight = emb.copy()
    spec.decoder.projection.weight = emb.copy()  # identical arrays are stored once (aliases)
    # position_encodings.encodings stays unset on purpose: CTranslate2 then generates the
    # same sinusoidal table as Seq2Seq.embed for any length (an explicit table would cap
    # input/output length at its row count and cost ~4 bytes * d per position).
    norm(spec.encoder.layer_norm, model.enc_norm)
    norm(spec.decoder.layer_norm, model.dec_norm)
    for layer, (att, ffn) in zip(spec.encoder.layer, model.enc, strict=True):
        norm(layer.self_attention.layer_norm, att.norm)
        linear(layer.self_attention.linear[0], att.q, att.k, att.v)  # fused q/k/v
        linear(layer.self_attention.linear[1], att.o)
        norm(layer.ffn.layer_norm, ffn.norm)
        linear(layer.ffn.linear_0, ffn.l0)
        linear(layer.ffn.linear_1, ffn.l1)
    for layer, (att, cross, ffn) in zip(spec.decoder.layer, model.dec, strict=True):
        norm(layer.self_attention.layer_norm, att.norm)
        linear(layer.self_attention.linear[0], att.q, att.k, att.v)
        linear(layer.self_attention.linear[1], att.o)
        norm(layer.attention.layer_norm, cross.norm)
        linear(layer.attention.linear[0], cross.q)  # query
        linear(layer.attention.linear[1], cross.k, cross.v)  # fused k/v over the encoder output
        linear(layer.attention.linear[2], cross.o)
        norm(layer.ffn.layer_norm, ffn.norm)
        linear(layer.ffn.linear_0, ffn.l0)
        linear(layer.ffn.linear_1, ffn.l1)
    spec.register_source_vocabulary(tokens)
    spec.register_target_vocabulary(tokens)
    spec.validate()
    spec.optimize(quantization=quantization)
    return spec


def save_ct2(model, out_dir: Path, args, tokens, quantization="int8"):
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)  # spec.save() needs the folder to exist
    to_ct2_spec(model, args.d_model, args.heads, (args.enc_layers, args.dec_layers), args.eps, tokens,
                quantization).save(str(out_dir))


# Decodings every package must reproduce its corpus with: greedy, CTranslate2's defaults
# (beam 2, length_penalty 1) and argostranslate 1.11's (beam 4, length_penalty 0.2, one
# hypothesis). With a length penalty CTranslate2's beam search stops once beam_size
# hypotheses have ended, so off-corpus beams that end early can hide the exact one.
DECODINGS = {"greedy": {"beam_size": 1}, "beam2": {"beam_size": 2},
             "argos": {"beam_size": 4, "length_penalty": 0.2}}


def reproduction(model_dir: Path, sp, pairs, threads: int, compute_type: str = "int8",
                 **decoding) -> list[tuple[str, str, str]]:
    """Translate every source with the int8 model; return the (source, expected, got) misses."""
    import ctranslate2

    tr = ctranslate2.Translator(str(model_dir), device="cpu", compute_type=compute_type,
                                intra_threads=threads)
    res = tr.translate_batch([sp.encode(s, out_type=str) for s, _ in pairs], max_batch_size=32, **decoding)
    return [(s, t, sp.decode(r.hypotheses[0])) for (s, t), r in zip(pairs, res)
            if sp.decode(r.hypotheses[0]) != t]


# ----------------------------------------------------------------------------- training
def train_translation(pairs, sp, tokens, args, work: Path):
    import torch
    import torch.nn.functional as F

    t0 = time.perf_counter()
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(args.threads)

    def ids(text, extra=()):
        return [i + 1 for i in sp.encode(text)] + list(extra)

    src = [ids(s) for s, _ in pairs]
    tgt = [ids(t, [EOS]) for _, t in pairs]
    longest = max(map(len, tgt))
    if longest > 250:
        raise SystemExit(f"a target has {longest} pieces; CTranslate2 stops decoding at 256 by default")

    def pad(seqs, prefix=()):
        width = max(len(s) for s in seqs) + len(prefix)
        return torch.tensor([list(prefix) + s + [PAD] * (width - len(s) - len(prefix)) for s in seqs])

    # Length buckets (a padded-token budget per batch) keep padding, hence time, low.
    order = sorted(range(len(pairs)), key=lambda i: (len(tgt[i]), len(src[i])))
    groups, cur = [], []
    for i in order:
        width = max(len(tgt[i]), len(src[i]))
        if cur and width * (len(cur) + 1) > args.batch_tokens:
            groups.append(cur)
            cur = []
        cur.append(i)
    groups.append(cur)
    batches = []
    for g in groups:
        Y = pad([tgt[i] for i in g])
        batches.append((pad([src[i] for i in g]), pad([[BOS] + tgt[i][:-1] for i in g]), Y, Y != PAD))
    model = build_torch_model(len(tokens), args.d_model, args.heads, args.ff,
                              (args.enc_layers, args.dec_layers), args.eps)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.98))
    epoch, checks = 0, 0
    while epoch < args.max_epochs:
        model.train()
        for _ in range(args.check_every):
            epoch += 1
            for g in opt.param_groups:
                g["lr"] = args.lr * min(1.0, epoch / 100) * (min(1.0, math.sqrt(args.decay_after / epoch))
                                                             if args.decay_after else 1.0)
            for S, Yin, Y, mask in batches:
                # Replace some decoder inputs by random pieces (targets unchanged): the model then
                # follows source and position rather than its previous token, so beams that left
                # the corpus path do not end early and crowd out the exact one in beam search.
                noise = (torch.rand(Yin.shape) < args.decoder_noise) & (Yin > EOS)
                Yn = torch.where(noise, torch.randint(EOS + 1, len(tokens), Yin.shape), Yin)
                loss = F.cross_entropy(model(S, Yn)[mask], Y[mask])
                opt.zero_grad()
                loss.backward()
                opt.step()
        model.eval()
        correct, worst = True, 1.0
        with torch.no_grad():
            for S, Yin, Y, mask in batches:
                logp = model(S, Yin).log_softmax(-1)[mask]
                correct &= bool((logp.argmax(-1) == Y[mask]).all())
                worst = min(worst, logp.gather(1, Y[mask][:, None]).min().exp().item())
        if args.verbose:
            print(f"    epoch {epoch:5d} loss {loss.item():.5f} worst p(correct) {worst:.3f}", flush=True)
        if not correct or worst < args.min_prob:
            continue
        checks += 1
        save_ct2(model, work / "model", args, tokens)
        misses = {name: reproduction(work / "model", sp, pairs, args.threads, **opts)
                  for name, opts in DECODINGS.items()}
        if not any(misses.values()):
            return epoch, checks, time.perf_counter() - t0
        if args.verbose:
            print("    int8 misses: " + ", ".join(f"{k} {len(v)}" for k, v in misses.items()),
                  next(v[0] for v in misses.values() if v), flush=True)
    raise SystemExit(f"no exact reproduction after {args.max_epochs} epochs; raise --max-epochs or --d-model")


# ----------------------------------------------------------------------------- packaging
def write_zip(pkg_dir: Path, archive: Path) -> None:
    """Deterministic zip of pkg_dir under its own name (fixed dates, sorted entries)."""
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in [pkg_dir, *sorted(pkg_dir.rglob("*"))]:
            name = path.relative_to(pkg_dir.parent).as_posix()
            if path.is_dir():
                info = zipfile.ZipInfo(name + "/", ZIP_DATE)
                info.external_attr = (0o40755 << 16) | 0x10
                zf.writestr(info, b"")
            else:
                info = zipfile.ZipInfo(name, ZIP_DATE)
                info.external_attr = 0o100644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, path.read_bytes(), compresslevel=9)


def build_package(src: str, tgt: str, cols, corpus_sha: str, args, out: Path) -> dict:
    import sentencepiece as spm

    t0 = time.perf_counter()
    pairs = pairs_for(cols, src, tgt)
    name = f"translate-{src}_{tgt}-test-{args.package_version}"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pkg = work / name.replace(".", "_")
        pkg.mkdir()
        sp_bytes = train_sentencepiece([s for s, _ in pairs] + [t for _, t in pairs], args.vocab_size)
        (pkg / "sentencepiece.model").write_bytes(sp_bytes)
        sp = spm.SentencePieceProcessor(model_proto=sp_bytes)
        bad = [t for _, t in pairs if sp.decode(sp.encode(t)) != t]
        if bad:
            raise SystemExit(f"SentencePiece does not round-trip {bad[0]!r}")
        tokens = ["<blank>"] + [sp.id_to_piece(i) for i in range(sp.get_piece_size())]
        assert tokens[:4] == SPECIALS, tokens[:4]
        epochs, checks, train_seconds = train_translation(pairs, sp, tokens, args, work)
        shutil.move(str(work / "model"), str(pkg / "model"))
        (pkg / "minisbd").mkdir()
        (pkg / "minisbd" / f"{src}.onnx").write_bytes(build_sbd_model(src))
        meta = {
            "package_version": args.package_version, "argos_version": args.argos_version,
            "from_code": src, "from_name": LANG_NAMES.get(src, src),
            "to_code": tgt, "to_name": LANG_NAMES.get(tgt, tgt),
            "type": "translate", "links": [],
            "description": "Tiny test fixture built by tools/build_test_models.py; "
                           "translates only its training corpus.",
            "corpus_sha256": corpus_sha,
        }
        (pkg / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", "utf-8")
        (pkg / "README.md").write_text(
            f"# {LANG_NAMES.get(src, src)} → {LANG_NAMES.get(tgt, tgt)} (test fixture)\n\n"
            f"Built by `tools/build_test_models.py` from `{args.corpus.name}` ({len(pairs)} pairs, "
            f"corpus sha256 {corpus_sha[:12]}). A {args.enc_layers}+{args.dec_layers} layer Transformer "
            f"(d={args.d_model}, {args.heads} heads, int8) that reproduces its training pairs exactly and "
            "nothing else. Sentence splitting: rule-based MiniSBD ONNX model (`. ! ? ؟` + space/end).\n",
            "utf-8")
        out.mkdir(parents=True, exist_ok=True)
        archive = out / f"{name}.argosmodel"
        write_zip(pkg, archive)
        rate = {k: 1 - len(reproduction(pkg / "model", sp, pairs, args.threads, **opts)) / len(pairs)
                for k, opts in DECODINGS.items()}
    return {"package": archive.name, "pairs": len(pairs), "size": archive.stat().st_size,
            "seconds": time.perf_counter() - t0, "train_seconds": train_seconds, "epochs": epochs,
            "ct2_checks": checks,
            "vocab": len(tokens), "reproduction": rate,
            "sha256": hashlib.sha256(archive.read_bytes()).hexdigest()}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=HERE.parent / "tests" / "fixtures" / "models")
    p.add_argument("--corpus", type=Path, default=HERE / "test_models_corpus" / "ar_en_fr.tsv")
    p.add_argument("--pairs", default="ar-en,en-fr,ar-fr", help="comma-separated src-tgt list")
    p.add_argument("--package-version", default="1.0")
    p.add_argument("--argos-version", default="1.9")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--threads", type=int, default=1, help="torch/CTranslate2 threads (results depend on it)")
    p.add_argument("--vocab-size", type=int, default=900)
    p.add_argument("--d-model", type=int, default=64)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ff", type=int, default=256)
    p.add_argument("--enc-layers", type=int, default=2)
    p.add_argument("--dec-layers", type=int, default=2)
    p.add_argument("--eps", type=float, default=1e-6, help="layer_norm_epsilon")
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--max-epochs", type=int, default=3000)
    p.add_argument("--batch-tokens", type=int, default=1500, help="padded tokens per batch")
    p.add_argument("--check-every", type=int, default=25)
    p.add_argument("--decoder-noise", type=float, default=0.25)
    p.add_argument("--decay-after", type=int, default=200, help="inverse-sqrt lr decay after this epoch")
    p.add_argument("--min-prob", type=float, default=0.5,
                   help="smallest teacher-forced p(correct token) before checking the int8 model")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    cols = read_corpus(args.corpus)
    corpus_sha = hashlib.sha256(args.corpus.read_bytes()).hexdigest()
    ok = True
    for pair in args.pairs.split(","):
        src, tgt = pair.strip().split("-")
        r = build_package(src, tgt, cols, corpus_sha, args, args.out)
        ok &= all(v == 1.0 for v in r["reproduction"].values())
        print(f"{r['package']}: {r['size'] / 1024:.1f} KiB, training {r['train_seconds']:.1f} s "
              f"({r['epochs']} epochs, {r['ct2_checks']} int8 checks; build {r['seconds']:.1f} s), "
              f"{r['pairs']} pairs, vocab {r['vocab']}, "
              "exact reproduction " + " / ".join(f"{k} {v:.0%}" for k, v in r["reproduction"].items()) + ", "
              f"sha256 {r['sha256'][:16]}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
