"""A serialised lunr.js 2.3.9 index, built from ready-made words.

lunr.py's Builder writes the same thing (tests/test_search_index.py compares
the two on every field of every document) but spends most of its time on
work the serialised index never shows: it wraps every word in a Token with a
deep-copied metadata dict, runs the pipeline one token at a time, and builds
a TokenSet of all terms that `serialize()` leaves out. At 1,000 briefings
that was 80% of the search stage. Here terms are counted in plain dicts; the
BM25 weighting is lunr's, operation for operation, so every score rounds to
the same three decimals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

VERSION = "2.3.9"  # the lunr.js this format is read by (themes/mirsad/static/js/vendor)
# lunr's BM25 defaults: term frequency saturation, and field length normalisation.
K1 = 1.2
B = 0.75


def serialised_index(documents: Sequence[dict[str, list[str]]], boosts: dict[str, float],
                     term: Callable[[str], str | None], pipeline: list[str]) -> dict[str, Any]:
    """The index of `documents` (field -> words), as lunr's `Index.serialize()`
    gives it: a document's ref is its position. `term` is the pipeline (a
    word's index term, None to leave it out), `pipeline` its labels, which
    the browser runs on queries."""
    fields = list(boosts)
    term_numbers: dict[str, int] = {}
    postings: dict[str, dict[str, Any]] = {}
    frequencies: list[tuple[str, str, dict[str, int], int]] = []  # field, ref, term counts, length
    total_length = dict.fromkeys(fields, 0)
    for number, document in enumerate(documents):
        ref = str(number)
        for field in fields:
            # lunr lower-cases list elements and treats an empty one as "".
            terms = [found for found in (term(word.lower() if word else "")
                                         for word in document.get(field) or ()) if found is not None]
            counts: dict[str, int] = {}
            for found in terms:
                counts[found] = counts.get(found, 0) + 1
                if found not in term_numbers:
                    term_numbers[found] = len(term_numbers)
                    postings[found] = {name: {} for name in fields}
                postings[found][field][ref] = {}
            frequencies.append((field, ref, counts, len(terms)))
            total_length[field] += len(terms)
    count = len(documents)
    average = {field: total_length[field] / count for field in fields} if count else {}
    idf: dict[str, float] = {}
    vectors = []
    for field, ref, counts, length in frequencies:
        elements: list[tuple[int, float]] = []
        for found, frequency in counts.items():
            if found not in idf:
                idf[found] = _idf(postings[found], count)
            # lunr.Builder#createFieldVectors, in its order of operations.
            score = (idf[found] * ((K1 + 1) * frequency)
                     / (K1 * (1 - B + B * (length / average[field])) + frequency))
            score *= boosts[field]
            elements.append((term_numbers[found], round(score, 3)))
        elements.sort()
        vectors.append([f"{field}/{ref}", [value for element in elements for value in element]])
    return {
        "version": VERSION,
        "fields": fields,
        "fieldVectors": vectors,
        "invertedIndex": [[found, {**postings[found], "_index": term_numbers[found]}]
                          for found in sorted(postings)],
        "pipeline": pipeline,
    }


def _idf(posting: dict[str, dict[str, Any]], count: int) -> float:
    # lunr counts a document once per field that holds the term.
    with_term = sum(len(refs) for refs in posting.values())
    return math.log(1 + abs((count - with_term + 0.5) / (with_term + 0.5)))
