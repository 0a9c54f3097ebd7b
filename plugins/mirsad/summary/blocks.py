"""The text blocks of a rendered briefing: paragraphs, list items, quotes,
table rows, headings, in document order, as plain text.

Works on the article's (sanitised) HTML rather than on its Markdown, so any
version of a briefing can be summarised, including a machine translation
that has no Markdown source of its own. The standard library's HTMLParser
is enough: the HTML went through nh3, so it is well-formed and has a known,
small set of elements.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from html.parser import HTMLParser

# kind of block per element; a block element nested in another (a <p> in a
# loose list's <li>) belongs to the outer block.
BLOCK_KINDS = {
    "p": "paragraph", "li": "item", "dt": "item", "dd": "item", "tr": "row",
    "h1": "heading", "h2": "heading", "h3": "heading", "h4": "heading",
    "h5": "heading", "h6": "heading", "caption": "heading", "figcaption": "paragraph",
}
CELLS = {"td", "th"}
SKIPPED = {"pre", "script", "style"}  # code is not summary material
CELL_SEPARATOR = "\t"
_SPACES = re.compile(r"[ \n\r\f\v]+")


@dataclass(frozen=True)
class Block:
    kind: str  # paragraph, item, row, heading
    text: str  # plain text, white space collapsed; row cells separated by a tab
    quote: bool = False  # inside a <blockquote>
    header: bool = False  # a table row made of <th> cells only

    @property
    def cells(self) -> list[str]:
        return [cell.strip() for cell in self.text.split(CELL_SEPARATOR) if cell.strip()]


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._open: list[str] = []  # stack of open block elements
        self._text: list[str] = []
        self._quotes = 0
        self._skipping = 0
        self._data_cells = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self._skipping += 1
        elif tag == "blockquote":
            self._flush()
            self._quotes += 1
        elif tag in BLOCK_KINDS and (tag == "li" or not self._open):
            # A nested list item starts its own block: flush the parent's text.
            self._flush()
            self._open.append(tag)
        elif tag in CELLS:
            self._text.append(CELL_SEPARATOR)
            self._data_cells += tag == "td"
        elif tag == "br":
            self._text.append(" ")

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag == "blockquote":
            self._flush()
            self._quotes = max(0, self._quotes - 1)
        elif self._open and tag == self._open[-1]:
            self._flush()
            self._open.pop()

    def handle_data(self, data):
        if not self._skipping:
            self._text.append(data)

    def _flush(self) -> None:
        text = _SPACES.sub(" ", "".join(self._text)).strip(" ")
        if text.strip() and self._open:
            kind = BLOCK_KINDS[self._open[-1]]
            self.blocks.append(Block(
                kind, text.strip(), quote=self._quotes > 0,
                header=kind == "row" and not self._data_cells,
            ))
        self._text, self._data_cells = [], 0


def blocks(html: str) -> list[Block]:
    """The text blocks of `html`, in document order."""
    return list(_blocks(html or ""))


# Every version of a briefing is parsed for its points and its reading time,
# a placeholder version shares its original's HTML: parse each text once
# (it matters for a body of megabytes; Blocks are immutable).
@functools.lru_cache(maxsize=16)
def _blocks(html: str) -> tuple[Block, ...]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return tuple(collector.blocks)
