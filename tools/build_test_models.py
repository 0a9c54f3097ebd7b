#!/usr/bin/env python3
"""Build tiny but real Argos Translate packages (.argosmodel) for the test suite.

Each package holds what argostranslate 1.11 loads from a real one, in one of
the real layouts (tools/test_models_layouts.py says which upstream file each
copies). The default layout, ``test``:

    translate-ar_en-test-1_0/
        metadata.json          from_code, to_code, names, versions (argostranslate/package.py)
        README.md
        sentencepiece.model    one SentencePiece model for source and target (argos uses one)
        model/                 CTranslate2 TransformerSpec, int8 weights
        minisbd/<from>.onnx    rule-based sentence splitter in MiniSBD's ONNX format

``--layouts`` builds the others into tests/fixtures/models/layouts/<layout>/:
``opennmt`` (ar_en 1.0), ``marian-sp`` and ``marian-bpe`` (en_fr 1.9, OPUS-MT),
``target-prefix``.

The translation model is a small pre-norm Transformer trained with torch until it
reproduces every pair of the parallel corpus exactly, checked on the int8
CTranslate2 model itself (greedy, CTranslate2's default beam 2, and beam 4 with
length_penalty 0.2 as argostranslate 1.11 decodes).

Needs (build only, not the tests): torch, ctranslate2, sentencepiece, onnx, numpy.
Usage:  python tools/build_test_models.py --out tests/fixtures/models
        python tools/build_test_models.py --layouts   # the four real layouts
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path


HERE = Path(__file__).resolve().parent
from test_models_layouts import LAYOUTS, Layout, metadata, readme, scheme_for, write_splitter  # noqa: E402
from test_models_sbd import build_sbd_model  # noqa: E402  rule-based MiniSBD splitter, beside this file
from test_models_transformer import Arch, build_torch_model, save_ct2  # noqa: E402

# Reproduction is checked with MKL's int8 GEMM, the backend the tests pin
# (tests/conftest.py): on AMD processors CTranslate2 would pick oneDNN.
os.environ.setdefault("CT2_USE_MKL", "1")
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# The layouts beyond `test`: the pair and version of the real package each copies.
LAYOUT_PACKAGES = {"opennmt": ("ar-en", "1.0"), "marian-sp": ("en-fr", "1.9"), "marian-bpe": ("en-fr", "1.9"),
                   "target-prefix": ("ar-fr", "1.0")}


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


# Decodings every package must reproduce its corpus with: greedy, CTranslate2's defaults
# (beam 2, length_penalty 1) and argostranslate 1.11's (beam 4, length_penalty 0.2, one
# hypothesis). With a length penalty CTranslate2's beam search stops once beam_size
# hypotheses have ended, so off-corpus beams that end early can hide the exact one.
DECODINGS = {"greedy": {"beam_size": 1}, "beam2": {"beam_size": 2},
             "argos": {"beam_size": 4, "length_penalty": 0.2}}


def reproduction(model_dir: Path, scheme, pairs, threads: int, compute_type: str = "int8",
                 **decoding) -> list[tuple[str, str, str]]:
    """Translate every source with the int8 model as argostranslate does
    (its tokenizer, target prefix and detokenisation); return the
    (source, expected, got) misses."""
    import ctranslate2

    tr = ctranslate2.Translator(str(model_dir), device="cpu", compute_type=compute_type,
                                intra_threads=threads)
    prefixes = [scheme.prefix_tokens(t) for _, t in pairs]
    prefix = prefixes if any(prefixes) else None
    res = tr.translate_batch([scheme.source_tokens(s) for s, _ in pairs], target_prefix=prefix,
                             max_batch_size=32, replace_unknowns=True, **decoding)
    got = [scheme.detokenize(r.hypotheses[0]) for r in res]
    return [(s, scheme.expected(t), g) for (s, t), g in zip(pairs, got) if g != scheme.expected(t)]


# ----------------------------------------------------------------------------- training
def train_translation(pairs, scheme, arch: Arch, args, work: Path):
    import torch
    import torch.nn.functional as F

    t0 = time.perf_counter()
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(args.threads)
    tokens = scheme.tokens
    src = [scheme.source_ids(s) for s, _ in pairs]
    tgt = [scheme.target_ids(t) for _, t in pairs]
    longest = max(map(len, tgt))
    if longest > 250:
        raise SystemExit(f"a target has {longest} pieces; CTranslate2 stops decoding at 256 by default")
    first_piece = scheme.first_piece

    def pad(seqs):
        width = max(len(s) for s in seqs)
        ids = torch.tensor([s + [0] * (width - len(s)) for s in seqs])
        keep = torch.tensor([[True] * len(s) + [False] * (width - len(s)) for s in seqs])
        return ids, keep

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
        Y, mask = pad([tgt[i] for i in g])
        if scheme.chosen_prefix:
            mask[:, 0] = False
        S, keep = pad([src[i] for i in g])
        batches.append((S, keep, pad([[scheme.start] + tgt[i][:-1] for i in g])[0], Y, mask))
    model = build_torch_model(len(tokens), args.d_model, args.heads, args.ff,
                              (args.enc_layers, args.dec_layers), args.eps, arch)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.98))
    epoch, checks = 0, 0
    while epoch < args.max_epochs:
        model.train()
        for _ in range(args.check_every):
            epoch += 1
            for g in opt.param_groups:
                g["lr"] = args.lr * min(1.0, epoch / 100) * (min(1.0, math.sqrt(args.decay_after / epoch))
                                                             if args.decay_after else 1.0)
            for S, keep, Yin, Y, mask in batches:
                # Replace some decoder inputs by random pieces (targets unchanged): the model then
                # follows source and position rather than its previous token, so beams that left
                # the corpus path do not end early and crowd out the exact one in beam search.
                noise = (torch.rand(Yin.shape) < args.decoder_noise) & (Yin >= first_piece)
                # The start stays, and a target prefix chosen at decoding time (the target language).
                noise[:, :2 if scheme.chosen_prefix else 1] = False
                Yn = torch.where(noise, torch.randint(first_piece, len(tokens), Yin.shape), Yin)
                loss = F.cross_entropy(model(S, keep, Yn)[mask], Y[mask])
                opt.zero_grad()
                loss.backward()
                opt.step()
        model.eval()
        correct, worst = True, 1.0
        with torch.no_grad():
            for S, keep, Yin, Y, mask in batches:
                logp = model(S, keep, Yin).log_softmax(-1)[mask]
                correct &= bool((logp.argmax(-1) == Y[mask]).all())
                worst = min(worst, logp.gather(1, Y[mask][:, None]).min().exp().item())
        if args.verbose:
            print(f"    epoch {epoch:5d} loss {loss.item():.5f} worst p(correct) {worst:.3f}", flush=True)
        if not correct or worst < args.min_prob:
            continue
        checks += 1
        save_ct2(model, work / "model", args, arch, tokens, config=scheme.ct2_config)
        misses = {name: reproduction(work / "model", scheme, pairs, args.threads, **opts)
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


def build_package(layout: Layout, src: str, tgt: str, cols, corpus_sha: str, args, out: Path) -> dict:
    t0 = time.perf_counter()
    pairs = pairs_for(cols, src, tgt)
    arch = Arch(marian=layout.marian)
    scheme = scheme_for(layout, pairs, src, tgt, args.vocab_size)
    bad = [t for _, t in pairs if scheme.detokenize(scheme.target_tokens(t)) != scheme.expected(t)]
    if bad:
        raise SystemExit(f"{layout.name}: the tokenizer does not round-trip {bad[0]!r}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pkg = work / layout.folder(src, tgt, args.package_version)
        pkg.mkdir()
        for name, data in scheme.files.items():
            (pkg / name).write_bytes(data)
        epochs, checks, train_seconds = train_translation(pairs, scheme, arch, args, work)
        shutil.move(str(work / "model"), str(pkg / "model"))
        write_splitter(layout, pkg, src, build_sbd_model)
        meta = metadata(layout, src, tgt, args, corpus_sha)
        (pkg / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", "utf-8")
        (pkg / "README.md").write_text(readme(layout, src, tgt, len(pairs), args, corpus_sha), "utf-8")
        out.mkdir(parents=True, exist_ok=True)
        archive = out / layout.archive(src, tgt, args.package_version)
        write_zip(pkg, archive)
        rate = {k: 1 - len(reproduction(pkg / "model", scheme, pairs, args.threads, **opts)) / len(pairs)
                for k, opts in DECODINGS.items()}
    return {"package": archive.name, "pairs": len(pairs), "size": archive.stat().st_size,
            "seconds": time.perf_counter() - t0, "train_seconds": train_seconds, "epochs": epochs,
            "ct2_checks": checks, "vocab": len(scheme.tokens), "reproduction": rate,
            "sha256": hashlib.sha256(archive.read_bytes()).hexdigest()}


def build_families(args, cols, corpus_sha: str) -> int:
    """The OPUS-MT and NLLB model folders (tools/test_models_families.py says
    which converter's output each copies)."""
    from test_models_families import FAMILIES

    ok = True
    for name in args.families.split(","):
        r = FAMILIES[name](cols, pairs_for, train_translation, reproduction, DECODINGS, corpus_sha, args,
                           args.out / "families")
        ok &= all(v == 1.0 for v in r["reproduction"].values())
        print(f"families/{r['package']}: {r['size'] / 1024:.1f} KiB, {r['seconds']:.1f} s ({r['epochs']} epochs, "
              f"{r['ct2_checks']} int8 checks), {r['pairs']} pairs, vocab {r['vocab']}, exact reproduction "
              + " / ".join(f"{k} {v:.0%}" for k, v in r["reproduction"].items()), flush=True)
    return 0 if ok else 1


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=HERE.parent / "tests" / "fixtures" / "models")
    p.add_argument("--corpus", type=Path, default=HERE / "test_models_corpus" / "ar_en_fr.tsv")
    p.add_argument("--pairs", default="ar-en,en-fr,ar-fr", help="comma-separated src-tgt list")
    p.add_argument("--layouts", nargs="?", const=",".join(LAYOUT_PACKAGES), metavar="NAMES",
                   help="build the real layouts (default all: " + ", ".join(LAYOUT_PACKAGES) + ") into OUT/layouts/")
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
    p.add_argument("--families", nargs="?", const="opus-mt,nllb", metavar="NAMES",
                   help="build the model folders of other families (opus-mt, nllb) into OUT/families/")
    args = p.parse_args(argv)
    cols = read_corpus(args.corpus)
    corpus_sha = hashlib.sha256(args.corpus.read_bytes()).hexdigest()
    if args.families:
        return build_families(args, cols, corpus_sha)
    if args.layouts:
        names = args.layouts.split(",")
        jobs = [(LAYOUTS[name], *LAYOUT_PACKAGES[name], args.out / "layouts" / name) for name in names]
    else:
        jobs = [(LAYOUTS["test"], pair.strip(), args.package_version, args.out) for pair in args.pairs.split(",")]
    ok = True
    for layout, pair, version, out in jobs:
        src, tgt = pair.split("-")
        r = build_package(layout, src, tgt, cols, corpus_sha, argparse.Namespace(**{**vars(args),
                          "package_version": version}), out)
        ok &= all(v == 1.0 for v in r["reproduction"].values())
        print(f"{layout.name}/{r['package']}: {r['size'] / 1024:.1f} KiB, training {r['train_seconds']:.1f} s "
              f"({r['epochs']} epochs, {r['ct2_checks']} int8 checks; build {r['seconds']:.1f} s), "
              f"{r['pairs']} pairs, vocab {r['vocab']}, "
              "exact reproduction " + " / ".join(f"{k} {v:.0%}" for k, v in r["reproduction"].items()) + ", "
              f"sha256 {r['sha256'][:16]}", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
