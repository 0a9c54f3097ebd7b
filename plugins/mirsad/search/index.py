"""One language's search index: a lunr.js index built at build time
(lunr_index.py, which writes what lunr.py's Builder would), plus
what results show and what the browser needs to read queries, in one
JavaScript file that the search page loads with a <script> tag: a file://
page may run scripts but may not fetch() or XHR its neighbours."""

from __future__ import annotations

import json
from typing import Any

from mirsad.common.files import write_atomically
from mirsad.text.bidi import CONTROLS

from .analysis import browser_data, pipeline_labels, term_function
from .config import FIELDS
from .documents import Document
from .lunr_index import serialised_index

# The global that search.js reads.
GLOBAL = "MIRSAD_SEARCH"


def build_index(documents: list[Document], lang: str, boosts: dict[str, float]) -> dict[str, Any]:
    """The serialised lunr index of `documents`; a document's ref is its
    position in the list, so results are looked up by number."""
    # The words are already folded and split by analysis.words, the same
    # way search.js splits queries; the pipeline takes them from there.
    return serialised_index([doc.fields for doc in documents], {name: boosts[name] for name in FIELDS},
                            term_function(lang), pipeline_labels(lang))


def payload(documents: list[Document], lang: str, boosts: dict[str, float],
            max_results: int) -> dict[str, Any]:
    return {
        "lang": lang,
        "maxResults": max_results,
        "text": browser_data(lang),
        "docs": [doc.result for doc in documents],
        "index": build_index(documents, lang, boosts),
    }


_ESCAPED_CONTROLS = {ord(char): f"\\u{ord(char):04x}" for char in CONTROLS}


def write_script(path: str, data: dict[str, Any]) -> int:
    """Write `data` as `window.MIRSAD_SEARCH = JSON.parse('...');` and return
    its size in bytes. Browsers parse a large JSON string several times
    faster than the same data as a JavaScript object literal (measured in
    Chromium: bench/bench_bundle.py)."""
    encoded = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    # JSON text is a valid JavaScript string body once \ and ' are escaped
    # (it holds no raw line break: json.dumps writes them as \n).
    literal = encoded.replace("\\", "\\\\").replace("'", "\\'")
    # Direction controls (the client's normalisation table maps them away)
    # as escapes: raw, they would reorder how the script itself displays.
    literal = literal.translate(_ESCAPED_CONTROLS)
    text = f"window.{GLOBAL} = JSON.parse('{literal}');\n"
    write_atomically(path, text)  # whole or absent, whatever kills the build
    return len(text.encode("utf-8"))
