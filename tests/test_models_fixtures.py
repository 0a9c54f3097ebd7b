"""The committed test Argos packages load and reproduce their corpus exactly.

Built by ``tools/build_test_models.py`` (needs torch); this test needs only
ctranslate2, sentencepiece and onnxruntime.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

ctranslate2 = pytest.importorskip("ctranslate2")
spm = pytest.importorskip("sentencepiece")
# onnxruntime is imported by the tests that run it, in a fresh process: its
# import starts a thread, and while one runs, builds here cannot fork.
np = pytest.importorskip("numpy")

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "tests" / "fixtures" / "models"
CORPUS = ROOT / "tools" / "test_models_corpus" / "ar_en_fr.tsv"
PACKAGES = sorted(MODELS.glob("*.argosmodel"))
REBUILD = "rebuild with: python tools/build_test_models.py --out tests/fixtures/models"
# Same decodings the build script checks: greedy, CTranslate2's defaults, argostranslate's.
DECODINGS = {"greedy": {"beam_size": 1}, "beam2": {"beam_size": 2},
             "argos": {"beam_size": 4, "length_penalty": 0.2}}


def corpus_pairs(src: str, tgt: str) -> list[tuple[str, str]]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"))) for line in lines[1:] if line.strip()]
    return list({row[src]: row[tgt] for row in rows}.items())


@pytest.fixture(scope="module", params=PACKAGES, ids=lambda p: p.name)
def package(request, tmp_path_factory) -> dict:
    archive: Path = request.param
    dest = tmp_path_factory.mktemp(archive.stem.replace(".", "_"))
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        zf.extractall(dest)
    tops = {name.split("/")[0] for name in names}
    assert len(tops) == 1, f"{archive.name}: expected one top-level folder, got {sorted(tops)}"
    root = dest / tops.pop()
    meta = json.loads((root / "metadata.json").read_text(encoding="utf-8"))
    return {"archive": archive, "root": root, "meta": meta}


def test_packages_exist():
    names = {p.name for p in PACKAGES}
    assert {"translate-ar_en-test-1.0.argosmodel", "translate-en_fr-test-1.0.argosmodel"} <= names, REBUILD


def test_layout(package):
    root, meta = package["root"], package["meta"]
    for key in ("package_version", "argos_version", "from_code", "to_code", "from_name", "to_name"):
        assert meta.get(key), f"metadata.json lacks {key}"
    assert package["archive"].name == f"translate-{meta['from_code']}_{meta['to_code']}-test-" \
                                      f"{meta['package_version']}.argosmodel"
    assert (root / "model" / "model.bin").is_file()
    assert (root / "model" / "config.json").is_file()
    assert (root / "sentencepiece.model").is_file()
    assert (root / "minisbd" / f"{meta['from_code']}.onnx").is_file()
    assert not (root / "stanza").exists(), "a stanza/ folder makes argostranslate go online"


def test_built_from_current_corpus(package):
    assert package["meta"]["corpus_sha256"] == hashlib.sha256(CORPUS.read_bytes()).hexdigest(), \
        f"{package['archive'].name} was built from another corpus; {REBUILD}"


@pytest.mark.parametrize("decoding", DECODINGS)
def test_reproduces_corpus_exactly(package, decoding):
    root, meta = package["root"], package["meta"]
    pairs = corpus_pairs(meta["from_code"], meta["to_code"])
    sp = spm.SentencePieceProcessor(model_file=str(root / "sentencepiece.model"))
    # One thread: OpenMP's would outlive the translator in the test process,
    # and the build's worker pool forks only while one thread runs.
    translator = ctranslate2.Translator(str(root / "model"), device="cpu", compute_type="int8", intra_threads=1)
    results = translator.translate_batch([sp.encode(s, out_type=str) for s, _ in pairs],
                                         max_batch_size=32, **DECODINGS[decoding])
    got = [sp.decode(r.hypotheses[0]) for r in results]
    misses = [(s, t, g) for (s, t), g in zip(pairs, got) if g != t]
    assert not misses, f"{len(misses)}/{len(pairs)} differ, first: {misses[0]}"


def run_splitter(model_path: Path, text: str) -> np.ndarray:
    """Run the MiniSBD ONNX model the way minisbd feeds it; return the label per character."""
    ort = pytest.importorskip("onnxruntime")
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1  # no thread pool left behind
    session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    props = session.get_modelmeta().custom_metadata_map
    assert {"config", "vocab", "lexicon", "lang_code"} <= set(props)
    config, vocab = json.loads(props["config"]), json.loads(props["vocab"])
    unit2id = vocab["_unit2id"]
    units = np.array([[unit2id.get(" " if c.isspace() else c, unit2id["<UNK>"]) for c in text]
                      + [unit2id["<PAD>"]]], dtype=np.int64)  # minisbd pads every paragraph
    features = np.zeros(units.shape + (len(config["feat_funcs"]),), dtype=np.float32)
    (logits,) = session.run(None, {"units": units, "features": features})
    assert logits.shape == units.shape + (5,)
    return logits[0, : len(text)].argmax(-1)


@pytest.mark.fresh_process  # onnxruntime keeps a thread in the process that loads it
def test_sentence_splitter_marks_sentence_ends(package):
    meta = package["meta"]
    onnx_path = package["root"] / "minisbd" / f"{meta['from_code']}.onnx"
    text = {"ar": "داعش لا يزال نشطا في سرت. هل يستطيع التنظيم العودة؟",
            "en": "ISIS is still active in Sirte. Can the organization return?",
            "fr": "Daech est toujours actif à Syrte. L'organisation peut-elle revenir ?"}[meta["from_code"]]
    labels = run_splitter(onnx_path, text)
    first_end = text.index(".")
    assert labels[first_end] == 2, "first sentence end not marked"
    assert labels[len(text) - 1] == 2, "last sentence end not marked"
    assert [i for i, lab in enumerate(labels) if lab == 2] == [first_end, len(text) - 1]
    assert labels[text.index(" ") - 1] == 1, "word end before a space is a token end"
    # A dot inside a token (a domain name) is not a sentence end.
    assert (run_splitter(onnx_path, "العربية.نت مصدر.") == 2).sum() == 1


@pytest.mark.fresh_process  # onnxruntime keeps a thread in the process that loads it
def test_minisbd_runtime_splits_offline(package):
    """minisbd itself (argostranslate's splitter) loads the packaged model from its path."""
    minisbd = pytest.importorskip("minisbd")
    meta = package["meta"]
    onnx_path = package["root"] / "minisbd" / f"{meta['from_code']}.onnx"
    sentences = {"ar": ["وقعت اشتباكات جنوب طرابلس.", "لم تؤكد السلطات هذه المعلومات."],
                 "en": ["Clashes took place south of Tripoli.", "The authorities have not confirmed this information."],
                 "fr": ["Des affrontements ont eu lieu au sud de Tripoli.", "Les autorités n'ont pas confirmé ces informations."]
                 }[meta["from_code"]]
    detector = minisbd.SBDetect(str(onnx_path), use_gpu=False)
    assert detector.sentences(" ".join(sentences)) == sentences
    assert detector.sentences("\n\n".join(sentences)) == sentences
