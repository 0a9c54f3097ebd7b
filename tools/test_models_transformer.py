"""The tiny Transformer of the test packages: a torch model that computes
exactly what CTranslate2's TransformerSpec computes, and its copy into that
spec, with the options each layout's real converter sets (OpenNMT-tf's, or
ct2-marian-converter's: CTranslate2 converters/marian.py)."""
from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Rows of the explicit position table of the Marian layouts: ct2-marian-converter
# writes 2048 (converters/marian.py); 512 covers the fixtures' outputs at a
# quarter of the size.
MARIAN_POSITIONS = 512


@dataclass(frozen=True)
class Arch:
    """The CTranslate2 TransformerSpec options a layout's converter sets."""
    marian: bool  # post-norm, swish, explicit position table, zero start (converters/marian.py)
    # Pre-norm, ReLU and fairseq's sinusoidal table from position 2 on (M2M100 / NLLB:
    # converters/transformers.py, M2M100Loader.set_position_encodings takes weights[offset:]).
    fairseq_positions: bool = False

    @property
    def pre_norm(self) -> bool:
        return not self.marian


def marian_positions(d: int, rows: int):
    """converters/marian.py, _make_sinusoidal_position_encodings: position 0 first."""
    positions = np.arange(rows)
    timescales = np.power(10000, 2 * (np.arange(d) // 2) / d)
    angles = positions[:, None] / timescales[None, :]
    table = np.zeros_like(angles)
    table[:, : d // 2] = np.sin(angles[:, 0::2])
    table[:, d // 2:] = np.cos(angles[:, 1::2])
    return table.astype(np.float32)


def fairseq_positions(d: int, rows: int, offset: int = 2):
    """transformers' M2M100SinusoidalPositionalEmbedding.get_embedding, rows from `offset`
    (the padding index + 1) on: [sin | cos], log(1e4) / (d/2 - 1)."""
    half = d // 2
    scales = np.exp(np.arange(half) * -(np.log(10000.0) / (half - 1)))
    angles = np.arange(offset, offset + rows)[:, None] * scales[None, :]
    return np.concatenate([np.sin(angles), np.cos(angles)], 1).astype(np.float32)


def position_table(arch: Arch, d: int):
    """The explicit position table a layout's converter writes, or None (CTranslate2's own)."""
    if arch.marian:
        return marian_positions(d, MARIAN_POSITIONS)
    return fairseq_positions(d, MARIAN_POSITIONS) if arch.fairseq_positions else None


def build_torch_model(vocab: int, d: int, heads: int, ff: int, layers: tuple[int, int], eps: float, arch: Arch):
    """A Transformer computing exactly what CTranslate2's TransformerSpec computes
    for the layout's options: pre-norm + ReLU + CTranslate2's own sinusoidal
    positions (OpenNMT-tf), or post-norm + swish + Marian's position table and a
    decoder that starts from a zero embedding (Marian)."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    activation = F.silu if arch.marian else F.relu

    class Attention(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm = nn.LayerNorm(d, eps=eps)
            self.q, self.k, self.v, self.o = (nn.Linear(d, d) for _ in range(4))

        def forward(self, x, mem=None, mask=None):
            h = self.norm(x) if arch.pre_norm else x
            kv = h if mem is None else mem  # CTranslate2 normalises only the queries' input

            def split(t):
                return t.view(t.shape[0], t.shape[1], heads, d // heads).transpose(1, 2)

            out = F.scaled_dot_product_attention(split(self.q(h)), split(self.k(kv)), split(self.v(kv)),
                                                 attn_mask=mask)
            out = x + self.o(out.transpose(1, 2).reshape(x.shape))
            return out if arch.pre_norm else self.norm(out)

    class FFN(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm, self.l0, self.l1 = nn.LayerNorm(d, eps=eps), nn.Linear(d, ff), nn.Linear(ff, d)

        def forward(self, x):
            if arch.pre_norm:
                return x + self.l1(activation(self.l0(self.norm(x))))
            return self.norm(x + self.l1(activation(self.l0(x))))

    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab, d)  # tied: encoder, decoder and output projection
            nn.init.normal_(self.emb.weight, std=d ** -0.5)
            self.enc = nn.ModuleList(nn.ModuleList([Attention(), FFN()]) for _ in range(layers[0]))
            self.dec = nn.ModuleList(nn.ModuleList([Attention(), Attention(), FFN()]) for _ in range(layers[1]))
            self.enc_norm, self.dec_norm = nn.LayerNorm(d, eps=eps), nn.LayerNorm(d, eps=eps)
            table = position_table(arch, d)
            if table is not None:
                self.register_buffer("positions", torch.from_numpy(table))

        def embed(self, ids, zero_start=False):
            x = self.emb(ids) * math.sqrt(d)
            if zero_start:  # Marian: the decoder's first input is a zero vector, not a token
                x = torch.cat([torch.zeros_like(x[:, :1]), x[:, 1:]], 1)
            if arch.marian or arch.fairseq_positions:
                return x + self.positions[: ids.shape[1]]
            # Without explicit encodings CTranslate2 adds its own sinusoidal table:
            # positions start at 1, [sin | cos], log(1e4) / (d/2 - 1).
            half = d // 2
            inc = math.log(10000.0) / (half - 1)
            scales = torch.exp(torch.arange(half, dtype=torch.float32) * -inc)
            t = (torch.arange(ids.shape[1], dtype=torch.float32) + 1)[:, None] * scales[None]
            return x + torch.cat([torch.sin(t), torch.cos(t)], -1)

        def forward(self, src, src_keep, tgt_in):
            src_mask = src_keep[:, None, None, :]
            x = self.embed(src)
            for att, ffn in self.enc:
                x = ffn(att(x, mask=src_mask))
            mem = self.enc_norm(x) if arch.pre_norm else x
            T = tgt_in.shape[1]
            causal = torch.ones(T, T, dtype=torch.bool).tril()[None, None]
            y = self.embed(tgt_in, zero_start=arch.marian)
            for att, cross, ffn in self.dec:
                y = ffn(cross(att(y, mask=causal), mem=mem, mask=src_mask))
            return F.linear(self.dec_norm(y) if arch.pre_norm else y, self.emb.weight)

    return Seq2Seq()


def to_ct2_spec(model, args, arch: Arch, tokens: list[str], quantization: str = "int8",
                config: dict | None = None):
    """Copy the torch weights into ctranslate2.specs.TransformerSpec; `config`:
    the converter's config.json fields (e.g. M2M100's decoder_start_token)."""
    import ctranslate2
    from ctranslate2.specs import common_spec

    def np32(t):
        return t.detach().cpu().numpy().astype(np.float32)

    def norm(spec, ln):
        spec.gamma, spec.beta = np32(ln.weight), np32(ln.bias)

    def linear(spec, *mods):  # several torch Linears -> one fused CTranslate2 linear
        spec.weight = np.concatenate([np32(m.weight) for m in mods], 0)
        spec.bias = np.concatenate([np32(m.bias) for m in mods], 0)

    layers = (args.enc_layers, args.dec_layers)
    if arch.marian:  # as converters/marian.py builds it
        spec = ctranslate2.specs.TransformerSpec.from_config(
            layers, args.heads, pre_norm=False, activation=common_spec.Activation.SWISH)
        spec.decoder.start_from_zero_embedding = True
        table = marian_positions(args.d_model, MARIAN_POSITIONS)
        spec.encoder.position_encodings.encodings = table
        spec.decoder.position_encodings.encodings = table.copy()
    else:
        spec = ctranslate2.specs.TransformerSpec.from_config(layers, args.heads, pre_norm=True)
        if arch.fairseq_positions:  # as M2M100Loader.set_position_encodings writes it
            table = position_table(arch, args.d_model)
            spec.encoder.position_encodings.encodings = table
            spec.decoder.position_encodings.encodings = table.copy()
        # Otherwise position_encodings.encodings stays unset on purpose: CTranslate2 then generates the
        # same sinusoidal table as Seq2Seq.embed for any length (an explicit table would cap
        # input/output length at its row count and cost ~4 bytes * d per position).
        norm(spec.encoder.layer_norm, model.enc_norm)
        norm(spec.decoder.layer_norm, model.dec_norm)
    spec.config.layer_norm_epsilon = args.eps
    emb = np32(model.emb.weight)
    spec.encoder.embeddings[0].weight = emb
    spec.decoder.embeddings.weight = emb.copy()
    spec.decoder.projection.weight = emb.copy()  # identical arrays are stored once (aliases)
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
    if arch.marian:
        spec.config.add_source_eos = True
    for key, value in (config or {}).items():
        setattr(spec.config, key, value)
    spec.validate()
    spec.optimize(quantization=quantization)
    return spec


def save_ct2(model, out_dir: Path, args, arch: Arch, tokens, quantization="int8", config: dict | None = None):
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)  # spec.save() needs the folder to exist
    to_ct2_spec(model, args, arch, tokens, quantization, config).save(str(out_dir))
