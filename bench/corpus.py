"""Synthetic material for the benchmarks: Arabic briefings recombined from
the sample site, and Transformer-base-size Argos packages with random weights.

Nothing here is committed output: every benchmark makes what it needs in a
temporary folder, from the same seeds, so runs compare like with like.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent

D_MODEL, HEADS, FFN, LAYERS, VOCAB = 512, 8, 2048, 6, 32000

TAGS = ["ليبيا", "داعش", "سرت", "الأمم المتحدة", "الانتخابات", "النفط", "أوبك", "الساحل", "الهجرة",
        "طرابلس", "بنغازي", "مصراتة", "الجنوب", "الحدود", "الاقتصاد", "المصرف المركزي", "الكهرباء",
        "المياه", "الأمن", "الجيش", "الميليشيات", "تونس", "مصر", "النيجر", "تشاد", "مالي", "الجزائر",
        "اللاجئون", "حقوق الإنسان", "الإعلام"]
CATEGORIES = ["أمن", "سياسة", "اقتصاد", "مجتمع", "إقليمي"]
PLACES = ["سرت", "طرابلس", "بنغازي", "مصراتة", "سبها", "درنة", "الكفرة", "غدامس", "أوباري", "الزاوية"]
# Briefings are dated over ten years from FIRST_DAY; a new one (add_briefing) on the day after.
FIRST_DAY, SPAN_DAYS = dt.date(2015, 1, 1), 10 * 365
LAST_DAY = FIRST_DAY + dt.timedelta(days=SPAN_DAYS)


def sample_sentences(count: int, seed: int = 7) -> list[str]:
    """`count` distinct Arabic sentences: the sample briefings' own, then new
    ones made of the first half of one and the second half of another."""
    from mirsad.markdown.frontmatter import split
    from mirsad.text.sentences import split_sentences

    sentences = []
    for path in sorted((ROOT / "content" / "briefings").glob("*.md")):
        body = split(path.read_text(encoding="utf-8"), str(path)).body
        for line in body.splitlines():
            if line.strip() and not line.lstrip().startswith(("|", "#")):
                sentences += split_sentences(line.strip("-> *0123456789."), "ar")
    rng = random.Random(seed)
    # Every sentence ends with punctuation, so paragraphs split back into the
    # same sentences; hashtags and emphasis go, since random weights never
    # reproduce the spans Mirsad re-injects (its sentence-by-piece fallback
    # would then run for every one, which a real model makes rare).
    pool = [s.replace("#", "").replace("**", "").rstrip(" .،") + "." for s in sentences if len(s.split()) >= 4]
    out, seen = list(pool), set(pool)
    while len(out) < count:
        a, b = rng.sample(pool, 2)
        words_a, words_b = a.split(), b.split()
        cut_a, cut_b = rng.randint(2, len(words_a) - 1), rng.randint(1, len(words_b) - 2)
        sentence = " ".join(words_a[:cut_a] + words_b[cut_b:]).rstrip(".") + "."
        sentence = re.sub(r"\d+", lambda _: str(rng.randint(2, 2025)), sentence)
        if sentence not in seen:
            seen.add(sentence)
            out.append(sentence)
    return out[:count]


@dataclass
class Corpus:
    """A synthetic content folder and what the benchmark edits in it."""

    content: Path
    briefings: list[Path]

    def edit_briefing(self, index: int, sentences: list[str]) -> None:
        """Rewrite one briefing's title and body (its front matter stays)."""
        path = self.briefings[index]
        head, _, _ = path.read_text(encoding="utf-8").partition("\n---\n")
        head = re.sub(r'(?m)^title: .*$', f'title: "{_title(sentences[0])}"', head)
        path.write_text(head + "\n---\n\n" + _paragraphs(sentences, random.Random(index)), encoding="utf-8")

    def edit_paragraph(self, index: int, sentence: str) -> None:
        """Add one sentence to the first paragraph of one briefing."""
        path = self.briefings[index]
        head, _, body = path.read_text(encoding="utf-8").partition("\n---\n\n")
        first, _, rest = body.partition("\n\n")
        path.write_text(f"{head}\n---\n\n{first} {sentence}\n\n{rest}", encoding="utf-8")

    def rename_tag(self, old: str, new: str) -> int:
        """Rename the tag `old` to `new` in every briefing that has it (front
        matter only); the number of briefings rewritten."""
        line = re.compile(r"(?m)^tags: \[(.*)\]$")
        renamed = 0
        for path in self.briefings:
            text = path.read_text(encoding="utf-8")
            found = line.search(text)
            tags = [tag.strip() for tag in found.group(1).split(",")] if found else []
            if old in tags:
                tags = [new if tag == old else tag for tag in tags]
                path.write_text(text[:found.start(1)] + ", ".join(tags) + text[found.end(1):], encoding="utf-8")
                renamed += 1
        return renamed


def add_briefing(corpus: Corpus, sentences: list[str], seed: int = 13, reviewed: bool = True) -> Path:
    """One more briefing made of `sentences`, dated the last day of the
    archive (the newest: it heads every listing it is on), with a reviewed
    English and French translation if `reviewed`; added to `corpus`."""
    rng = random.Random(seed)
    path = _write_briefing(corpus.content, len(corpus.briefings), sentences, LAST_DAY, rng)
    if reviewed:
        write_reviewed(path, rng)
    corpus.briefings.append(path)
    return path


def make_corpus(folder: Path, count: int, seed: int = 11, reviewed: bool = False) -> tuple[Corpus, list[str]]:
    """`count` briefings in `folder`/content (with the sample site's taxonomy
    and glossary), and the sentences left over for edits. `reviewed`: each
    has a reviewed English and French translation (sentences of the sample
    site's, recombined; with its source_hash), so every version is a page
    without a model; else none, and every version is machine translated."""
    rng = random.Random(seed)
    content = folder / "content"
    (content / "briefings").mkdir(parents=True)
    for name in ("taxonomy.yml", "glossary.yml"):
        shutil.copy(ROOT / "content" / name, content / name)
    # Realistic lengths: most briefings 150-500 words, a few long reports.
    lengths = [max(3, min(60, round(rng.lognormvariate(2.3, 0.5)))) for _ in range(count)]
    sentences = sample_sentences(sum(lengths) + count + 200, seed)
    rng.shuffle(sentences)
    first_day = FIRST_DAY.toordinal()
    paths, offset = [], 0
    for number, length in enumerate(lengths):
        text = sentences[offset:offset + length]
        offset += length
        day = dt.date.fromordinal(first_day + rng.randrange(SPAN_DAYS))
        path = _write_briefing(content, number, text, day, rng)
        paths.append(path)
        if reviewed:
            write_reviewed(path, rng)
    return Corpus(content, paths), sentences[offset:]


def _write_briefing(content: Path, number: int, text: list[str], day: dt.date, rng: random.Random) -> Path:
    """content/briefings/briefing-<number>.md: `text` as paragraphs, dated
    `day`, with tags, a category and places drawn from `rng`."""
    front = {
        "title": json.dumps(_title(text[0]), ensure_ascii=False),
        "date": f"{day.isoformat()} {rng.randrange(7, 20):02d}:{rng.randrange(60):02d}",
        "slug": f"briefing-{number:05d}",
        "tags": "[" + ", ".join(rng.sample(TAGS, rng.randint(1, 4))) + "]",
        "category": rng.choice(CATEGORIES),
        "location": "[" + ", ".join(rng.sample(PLACES, rng.randint(0, 2))) + "]",
        "source": '"مرصد — نص تجريبي"',
    }
    path = content / "briefings" / f"briefing-{number:05d}.md"
    path.write_text("---\n" + "".join(f"{k}: {v}\n" for k, v in front.items()) + "---\n\n"
                    + _paragraphs(text, rng), encoding="utf-8")
    return path


def write_plain_content(corpus: Corpus, folder: Path) -> None:
    """`corpus` as plain Pelican reads it, in `folder`/briefings: front
    matter in its own format (Markdown metadata); each reviewed translation
    an article with `Lang:` and its briefing's slug, date, tags and category,
    so that Pelican links the translations itself."""
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "briefings").mkdir(parents=True)
    translations = corpus.content / "translations"
    for path in corpus.briefings:
        fields, body = _front_matter(path)
        tags = ", ".join(tag.strip() for tag in fields["tags"].strip("[]").split(","))
        meta = [f"Date: {fields['date']}", f"Slug: {fields['slug']}", f"Tags: {tags}",
                f"Category: {fields['category']}"]
        articles = {path.name: (json.loads(fields["title"]), "ar", body)}
        for lang in ("en", "fr"):
            reviewed = translations / f"{path.stem}.{lang}.md"
            if reviewed.exists():
                own, text = _front_matter(reviewed)
                articles[reviewed.name] = (json.loads(own["title"]), lang, text)
        for name, (title, lang, text) in articles.items():
            head = [f"Title: {title}", f"Lang: {lang}", *meta]
            (folder / "briefings" / name).write_text("\n".join(head) + "\n\n" + text, encoding="utf-8")


def _front_matter(path: Path) -> tuple[dict[str, str], str]:
    """The front matter of a file this module wrote (one `key: value` a line), and its body."""
    head, _, body = path.read_text(encoding="utf-8").partition("\n---\n\n")
    return dict(line.split(": ", 1) for line in head.splitlines()[1:]), body


def write_reviewed(original: Path, rng: random.Random) -> None:
    """A reviewed English and a French translation of `original`, in
    content/translations/, as an editor files them after review."""
    from mirsad.i18n.reviewed import source_hash

    folder = original.parent.parent / "translations"
    folder.mkdir(exist_ok=True)
    length = len(original.read_text(encoding="utf-8").split("\n\n"))
    for lang in ("en", "fr"):
        pool = _reviewed_sentences(lang)
        text = [rng.choice(pool) for _ in range(max(3, length))]
        front = {"title": json.dumps(_title(text[0]), ensure_ascii=False), "lang": lang,
                 "translator": '"Mirsad editorial team"', "reviewed": "2026-11-29",
                 "source_hash": source_hash(str(original))}
        (folder / f"{original.stem}.{lang}.md").write_text(
            "---\n" + "".join(f"{k}: {v}\n" for k, v in front.items()) + "---\n\n" + _paragraphs(text, rng),
            encoding="utf-8")


_REVIEWED: dict[str, list[str]] = {}


def _reviewed_sentences(lang: str) -> list[str]:
    """The sample site's reviewed sentences in `lang`."""
    if lang not in _REVIEWED:
        from mirsad.markdown.frontmatter import split
        from mirsad.text.sentences import split_sentences

        found = []
        for path in sorted((ROOT / "content" / "translations").glob(f"*.{lang}.md")):
            body = split(path.read_text(encoding="utf-8"), str(path)).body
            for line in body.splitlines():
                if line.strip() and not line.lstrip().startswith(("|", "#")):
                    found += split_sentences(line.strip("-> *0123456789.").replace("#", ""), lang)
        _REVIEWED[lang] = [s.rstrip(" .") + "." for s in found if len(s.split()) >= 4]
    return _REVIEWED[lang]


def _title(sentence: str) -> str:
    return " ".join(sentence.rstrip(".").split()[:10]).replace('"', "")


def _paragraphs(sentences: list[str], rng: random.Random) -> str:
    """Paragraphs of 1-4 sentences; long briefings get a subheading and a list."""
    blocks, index = [], 0
    while index < len(sentences):
        take = rng.randint(1, 4)
        chunk = sentences[index:index + take]
        index += take
        if len(sentences) > 12 and rng.random() < 0.15:
            blocks.append("## " + _title(chunk[0]))
        elif len(chunk) > 2 and rng.random() < 0.15:
            blocks.append("\n".join(f"- {s}" for s in chunk))
            continue
        blocks.append(" ".join(chunk))
    return "\n\n".join(blocks) + "\n"


def build_package(folder: Path, sentences: list[str], source: str = "ar", target: str = "en",
                  layers: int = LAYERS, d_model: int = D_MODEL, ffn: int = FFN, heads: int = HEADS,
                  vocab: int = VOCAB) -> Path:
    """An Argos package (folder) with a random-weight int8 Transformer of the
    given size, a SentencePiece model trained on `sentences` and a rule-based
    MiniSBD splitter (so argostranslate stays offline)."""
    import sentencepiece as spm

    build_sbd_model = _tool("test_models_sbd").build_sbd_model

    package = folder / f"translate-{source}_{target}-bench"
    (package / "model").mkdir(parents=True)
    (package / "minisbd").mkdir()
    corpus = folder / f"corpus-{source}_{target}.txt"
    corpus.write_text("\n".join(sentences), encoding="utf-8")
    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(package / "sentencepiece"), vocab_size=4000,
        hard_vocab_limit=False, character_coverage=1.0, minloglevel=2, bos_id=1, eos_id=2, unk_id=0, pad_id=-1,
    )
    pieces = spm.SentencePieceProcessor(model_file=str(package / "sentencepiece.model"))
    tokens = ["<blank>"] + [pieces.id_to_piece(i) for i in range(pieces.get_piece_size())]
    real = len(tokens)
    tokens += [f"<extra_{i}>" for i in range(vocab - len(tokens))]  # a realistic output layer
    spec = _random_transformer(layers, d_model, ffn, heads, vocab, real)
    spec.register_source_vocabulary(tokens)
    spec.register_target_vocabulary(tokens)
    spec.validate()
    spec.optimize(quantization="int8")
    spec.save(str(package / "model"))
    (package / "minisbd" / f"{source}.onnx").write_bytes(build_sbd_model(source))
    (package / "metadata.json").write_text(json.dumps({
        "package_version": "1.0", "argos_version": "1.0", "from_code": source, "from_name": source,
        "to_code": target, "to_name": target, "type": "translate", "links": []}))
    return package


def zip_package(package: Path, destination: Path) -> Path:
    """The package folder as an .argosmodel file (what `invoke models --from` takes)."""
    archive = shutil.make_archive(str(destination / package.name), "zip", package.parent, package.name)
    return Path(archive).rename(destination / f"{package.name}.argosmodel")


def _random_transformer(layers: int, d_model: int, ffn: int, heads: int, vocab: int, real: int):
    """Random weights; the padding tokens past the `real` SentencePiece ones
    get zero embeddings, so their logit is 0 and a real piece (some logit is
    always higher) is picked instead: outputs are made of real pieces, as long
    in characters as a translation, which the next leg (en->fr) then reads."""
    import ctranslate2

    rng = np.random.default_rng(0)

    def weights(*shape):
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    def norm(spec):
        spec.gamma, spec.beta = np.ones(d_model, np.float32), np.zeros(d_model, np.float32)

    def linear(spec, rows, cols):
        spec.weight, spec.bias = weights(rows, cols), np.zeros(rows, np.float32)

    def attention(spec, fused: bool):
        norm(spec.layer_norm)
        if fused:  # self-attention: one QKV projection
            linear(spec.linear[0], 3 * d_model, d_model)
            linear(spec.linear[1], d_model, d_model)
        else:  # encoder-decoder attention: Q, then KV
            linear(spec.linear[0], d_model, d_model)
            linear(spec.linear[1], 2 * d_model, d_model)
            linear(spec.linear[2], d_model, d_model)

    def feed_forward(spec):
        norm(spec.layer_norm)
        linear(spec.linear_0, ffn, d_model)
        linear(spec.linear_1, d_model, ffn)

    spec = ctranslate2.specs.TransformerSpec.from_config((layers, layers), heads, pre_norm=True)
    embeddings = weights(vocab, d_model)
    embeddings[real:] = 0.0
    spec.encoder.embeddings[0].weight = embeddings
    spec.decoder.embeddings.weight = embeddings
    spec.decoder.projection.weight = embeddings
    norm(spec.encoder.layer_norm)
    norm(spec.decoder.layer_norm)
    for layer in spec.encoder.layer:
        attention(layer.self_attention, fused=True)
        feed_forward(layer.ffn)
    for layer in spec.decoder.layer:
        attention(layer.self_attention, fused=True)
        attention(layer.attention, fused=False)
        feed_forward(layer.ffn)
    return spec


def _tool(name: str):
    """A module of tools/ (the test-model builders), loaded from its file:
    tools/ is a folder of scripts, not a package."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module

