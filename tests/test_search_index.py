"""The search index is lunr's own format: what mirsad.search writes is, to
the byte, what lunr.py's Builder (the reference port of lunr.js's) writes
from the same words, so lunr.js in the browser reads and scores it as its
own."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lunr.builder import Builder
from lunr.index import Index
from lunr.pipeline import Pipeline
from lunr.token_set import TokenSet

from mirsad.search.analysis import pipeline_labels, term_function, words
from mirsad.search.config import DEFAULTS, FIELDS
from mirsad.search.documents import Document
from mirsad.search.index import build_index

CONTENT = Path(__file__).resolve().parent.parent / "content"
BOOSTS = DEFAULTS["boosts"]


def reference_index(documents: list[dict[str, list[str]]], lang: str, boosts=BOOSTS) -> dict:
    """lunr.py's Builder with the same pipeline, steps registered by label."""
    term = term_function(lang)
    functions = []
    for label, step in zip(pipeline_labels(lang), (_stop_step(term), _stem_step(term))):
        if label not in Pipeline.registered_functions:
            Pipeline.register_function(step, label)
        functions.append(Pipeline.registered_functions[label])
    builder = Builder()
    builder.pipeline.add(*functions)
    builder.search_pipeline.add(*functions)
    builder.ref("ref")
    for name in FIELDS:
        builder.field(name, boost=boosts[name])
    if not documents:
        return Index({}, {}, TokenSet(), list(FIELDS), builder.search_pipeline).serialize()
    for ref, fields in enumerate(documents):
        builder.add({"ref": str(ref), **fields})
    return builder.build().serialize()


def _stop_step(term):
    return lambda token, i=None, tokens=None: token if term(str(token)) is not None else None


def _stem_step(term):
    return lambda token, i=None, tokens=None: token.update(lambda word, metadata=None: term(word))


def ours(documents: list[dict[str, list[str]]], lang: str, boosts=BOOSTS) -> dict:
    return build_index([Document(fields, {}) for fields in documents], lang, boosts)


def same(a: dict, b: dict) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def sample_documents(lang: str) -> list[dict[str, list[str]]]:
    """The sample briefings (or their reviewed translations): title, the
    front matter as terms, the text as body."""
    folder, pattern = (CONTENT / "briefings", "*.md") if lang == "ar" else (CONTENT / "translations", f"*.{lang}.md")
    documents = []
    for path in sorted(folder.glob(pattern)):
        head, _, body = path.read_text(encoding="utf-8").partition("\n---\n")
        title = next(line for line in head.splitlines() if line.startswith("title:"))
        documents.append({"title": words(title[6:]), "terms": words(head), "body": words(body)})
    return documents


@pytest.mark.parametrize("lang", ["ar", "en", "fr"])
def test_the_sample_briefings_index_as_lunr_indexes_them(lang):
    documents = sample_documents(lang)
    # Five briefings; four have reviewed translations (the fifth is machine-translated).
    assert len(documents) == (5 if lang == "ar" else 4) and all(doc["body"] for doc in documents)
    built = ours(documents, lang)
    assert same(built, reference_index(documents, lang))
    assert built["pipeline"] == pipeline_labels(lang) and built["version"] == "2.3.9"


def test_edge_cases_index_as_lunr_indexes_them():
    cases = [
        [],  # a language whose translations are all missing
        [{"title": [], "terms": [], "body": []}],  # nothing to index
        [{"title": ["في", "من"], "terms": [], "body": ["و"]}],  # stopwords only
        [{"title": ["سرت", "سرت", "بسرت"], "terms": ["سرت"], "body": ["سرت"] * 40}],
        [{"title": ["ليبيا"], "terms": [], "body": []}, {"title": [], "terms": [], "body": ["ليبيا", "2017"]}],
    ]
    for documents in cases:
        assert same(ours(documents, "ar"), reference_index(documents, "ar")), documents
    other_boosts = {"title": 2.5, "terms": 1, "body": 0.5}
    documents = sample_documents("en")
    assert same(ours(documents, "en", other_boosts), reference_index(documents, "en", other_boosts))


VOCABULARY = ["سرت", "داعش", "ليبيا", "في", "من", "the", "running", "runs", "sécurité", "x", "2017", "٣٥٠",
              "day", "cries", "nationales", "états", "ß", "İstanbul"]
FIELD_WORDS = st.lists(st.sampled_from(VOCABULARY) | st.text(min_size=1, max_size=6), max_size=30)
DOCUMENTS = st.lists(st.fixed_dictionaries({name: FIELD_WORDS for name in FIELDS}), max_size=8)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(DOCUMENTS, st.sampled_from(["ar", "en", "fr"]))
def test_any_documents_index_as_lunr_indexes_them(documents, lang):
    assert same(ours(documents, lang), reference_index(documents, lang))
