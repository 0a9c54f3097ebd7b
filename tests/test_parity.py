"""Our engine gives the text argostranslate 1.11.0 gives, for every layout of
real package the fixtures copy (tools/test_models_layouts.py).

argostranslate's side runs its own code: `argostranslate.package.Package`
(which chooses the tokenizer and reads target_prefix), a `ctranslate2.Translator`
built as `PackageTranslation.hypotheses` builds it, and
`argostranslate.translate.apply_packaged_translation` (tokenise, translate_batch
with its decoding settings, detokenise, strip the prefix). Only its sentence
splitter is set aside (stanza would go online): each sentence is one input.
Ours: the installed package through `CTranslate2Engine`, every sentence in one
call, as a build sends them.
"""
from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from mirsad.mt.engines.engine import CTranslate2Engine, EngineOptions
from mirsad.mt.models.packages import install_archive

ROOT = Path(__file__).resolve().parents[1]
LAYOUTS = ROOT / "tests" / "fixtures" / "models" / "layouts"
CORPUS = ROOT / "tools" / "test_models_corpus" / "ar_en_fr.tsv"
FIXTURES = {layout.name: next(layout.glob("*.argosmodel")) for layout in sorted(LAYOUTS.iterdir())}

# Sentences none of the fixtures was trained on: the models' output is then
# arbitrary, often long, which is where decoding details show.
OFF_CORPUS = {
    "ar": ["قالت المصادر إن الوضع في سرت هادئ.", "داعش", "سرت وبني وليد وزليتن", "نشر في 2017",
           "هذه جملة جديدة تماما لم يرها النموذج من قبل، وفيها أرقام ٣٤ و56 وكلمة NATO."],
    "en": ["The sources said nothing.", "Sirte", "ISIS and AFRICOM near Bani Walid", "Published in 2017",
           "A completely new sentence, with numbers 34 and 56, that the model has never seen!"],
}


def corpus_pairs(src: str, tgt: str) -> dict[str, str]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"))) for line in lines[1:] if line.strip()]
    return {row[src]: row[tgt] for row in rows}


def moses_normalised(text: str, lang: str) -> str:
    """What a Moses + BPE model was trained to output: the target side went
    through the same normalisation and tokenisation (OPUS-MT's preprocessing)."""
    from sacremoses.normalize import MosesPunctNormalizer
    from sacremoses.tokenize import MosesDetokenizer, MosesTokenizer

    words = MosesTokenizer(lang).tokenize(MosesPunctNormalizer(lang).normalize(text))
    return MosesDetokenizer(lang).detokenize(words)


@pytest.fixture(scope="module")
def argos(tmp_path_factory):
    """argostranslate, imported offline: its settings are read once, at import."""
    home = tmp_path_factory.mktemp("argos-home")
    os.environ.update(ARGOS_PACKAGES_DIR=str(home / "packages"), ARGOS_DEVICE_TYPE="cpu",
                      ARGOS_INTER_THREADS="1", ARGOS_INTRA_THREADS="1", XDG_DATA_HOME=str(home / "data"),
                      XDG_CACHE_HOME=str(home / "cache"), XDG_CONFIG_HOME=str(home / "config"))
    import argostranslate.package
    import argostranslate.settings
    import argostranslate.translate

    return argostranslate


class OneSentence:
    """Stands in for argostranslate's sentence splitter: the input is one sentence."""

    def split_sentences(self, text: str) -> list[str]:
        return [text]


def argos_translations(argos, folder: Path, sentences: list[str]) -> list[str]:
    import ctranslate2

    package = argos.package.Package(folder)
    settings = argos.settings
    translator = ctranslate2.Translator(os.fspath(folder / "model"), device=settings.device,
                                        inter_threads=settings.inter_threads,
                                        intra_threads=settings.intra_threads, compute_type=settings.compute_type)
    return [argos.translate.apply_packaged_translation(package, sentence, translator, OneSentence(), 1)[0].value
            for sentence in sentences]


@pytest.fixture(scope="module", params=sorted(FIXTURES), ids=str)
def layout(request, tmp_path_factory):
    archive = FIXTURES[request.param]
    package = install_archive(archive, tmp_path_factory.mktemp(f"models-{request.param}"))
    return request.param, package


def _parity(argos, layout, sentences):
    name, package = layout
    ours = [t.text for t in CTranslate2Engine(package, EngineOptions(intra_threads=1)).translate(sentences)]
    theirs = argos_translations(argos, package.path, sentences)
    differ = [(s, t, o) for s, t, o in zip(sentences, theirs, ours) if t != o]
    assert not differ, f"{name}: {len(differ)} of {len(sentences)} differ, e.g. {differ[0]}"
    return ours


def test_parity_on_the_corpus(argos, layout):
    name, package = layout
    pairs = corpus_pairs(package.from_code, package.to_code)
    ours = _parity(argos, layout, list(pairs))
    expected = [moses_normalised(t, package.to_code) if name == "marian-bpe" else t for t in pairs.values()]
    assert ours == expected, f"{name} no longer reproduces its corpus: rebuild it (tools/build_test_models.py)"


def test_parity_fixtures_are_built_from_the_current_corpus(layout):
    digest = hashlib.sha256(CORPUS.read_bytes()).hexdigest()
    assert f"corpus sha256 {digest}" in (layout[1].path / "README.md").read_text(encoding="utf-8"), \
        "rebuild with: python tools/build_test_models.py --layouts"


def test_parity_off_the_corpus(argos, layout):
    _parity(argos, layout, OFF_CORPUS[layout[1].from_code])


def test_parity_fixtures_copy_the_real_layouts():
    """What argostranslate and the upstream records say each real package holds."""
    expected = {
        "opennmt": ("ar_en/", {"sentencepiece.model", "stanza/", "metadata.json", "README.md", "model/"}),
        "marian-sp": ("translate-en_fr-1_9/", {"sentencepiece.model", "stanza/", "metadata.json", "README.md",
                                               "model/"}),
        "marian-bpe": ("translate-en_fr-1_9/", {"bpe.model", "stanza/", "metadata.json", "README.md", "model/"}),
        "target-prefix": ("translate-ar_fr-1_0/", {"sentencepiece.model", "stanza/", "metadata.json",
                                                   "README.md", "model/"}),
    }
    assert set(FIXTURES) == set(expected)
    for name, (top, entries) in expected.items():
        with zipfile.ZipFile(FIXTURES[name]) as archive:
            names = archive.namelist()
        assert {n.split("/")[0] + "/" for n in names} == {top}, name
        children = {n[len(top):].split("/")[0] + ("/" if "/" in n[len(top):] else "") for n in names if n != top}
        assert children == entries, f"{name}: {sorted(children)}"


def test_parity_holds_when_outputs_reach_the_first_length_cap(argos, layout):
    """A cap far below the outputs' length: every sentence is decoded again
    with larger caps until it ends, and comes out as argostranslate's."""
    name, package = layout
    sentences = list(corpus_pairs(package.from_code, package.to_code))[:12]
    engine = CTranslate2Engine(package, EngineOptions(intra_threads=1, max_length_ratio=0.25, min_max_length=2))
    ours = [t.text for t in engine.translate(sentences)]
    assert engine.retries >= len(sentences) and engine.unfinished == 0
    assert ours == argos_translations(argos, package.path, sentences)
