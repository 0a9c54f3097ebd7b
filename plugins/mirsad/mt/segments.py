"""Cut a briefing's HTML into translatable sentences and put the
translations back, so that markup survives: headings, list items, table
cells and quotes stay where they are, inline markup (links with their href,
emphasis, code) is carried over, nothing is dropped or duplicated.

A *run* is the inline content of a block (text and inline elements up to
the next block element); runs are split into sentences with the project's
one splitter; inline elements, hashtags and glossary terms inside a
sentence become *spans* that translate.py renders and re-injects.

Markdown is read as Markdown: a line break inside a run is a soft break, a
space (hard breaks are <br>, list items, cells and headings are blocks,
all of which end a run), so a paragraph wrapped at any column gives the
same segments, engine input and memory keys as on one line.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import html as lxml_html

from mirsad.text.sentences import sentence_spans, split_sentences

from .glossary import Glossary

INLINE = {"a", "abbr", "b", "bdi", "bdo", "cite", "code", "del", "dfn", "em", "i", "ins",
          "kbd", "mark", "q", "s", "small", "span", "strong", "sub", "sup", "time", "u"}
VERBATIM = {"code", "kbd"}  # never translated
SKIP_BLOCKS = {"pre", "script", "style"}
HASHTAG = re.compile(r"#(\w+)")
_SOFT_BREAK = re.compile(r"[^\S\n]*\n\s*")


@dataclass
class Span:
    start: int
    end: int
    kind: str  # "element", "verbatim", "hashtag" or "term"
    source: str  # what is translated for this span (or kept, for verbatim)
    tag: str = ""
    attrs: str = ""  # serialised, already-sanitised attributes
    inner: Segment | None = None


@dataclass
class Segment:
    text: str
    spans: list[Span] = field(default_factory=list)
    # What the engine was given for this text before soft line breaks and
    # hashtags were read as written (empty: the same): translation.md,
    # "Segments"; the build says when it translates such a segment again.
    legacy: tuple[str, ...] = ()

    def source_html(self) -> str:
        """The segment as written, markup included: the memory's key."""
        out, position = [], 0
        for span in self.spans:
            out.append(html.escape(self.text[position:span.start], quote=False))
            if span.kind in ("element", "verbatim"):
                inner = span.inner.source_html() if span.inner else html.escape(span.source, quote=False)
                out.append(f"<{span.tag}{span.attrs}>{inner}</{span.tag}>")
            else:
                out.append(html.escape(self.text[span.start:span.end], quote=False))
            position = span.end
        out.append(html.escape(self.text[position:], quote=False))
        return "".join(out)


def plain_segment(text: str, glossary: Glossary) -> Segment:
    """A segment of plain text (title, summary point, tag name)."""
    return Segment(text, _text_spans(text, [], glossary))


class Document:
    """A briefing body as a tree, with its runs cut into sentences."""

    def __init__(self, content: str, glossary: Glossary, lang: str):
        self.root = lxml_html.fragment_fromstring(content or "", create_parent="div")
        self.glossary, self.lang = glossary, lang
        self.runs: list[_Run] = []
        self._collect(self.root)

    def segments(self) -> list[Segment]:
        return [segment for run in self.runs for segment in run.segments]

    def blocks(self) -> dict[int, int]:
        """For each segment (by id), the top-level block of the body it is in
        (its paragraph, heading, list or table, counted from 0)."""
        tops = {child: index for index, child in enumerate(self.root)}
        found: dict[int, int] = {}
        for run in self.runs:
            element = run.parent
            while element is not None and element not in tops:
                element = element.getparent()
            for segment in run.segments:
                found[id(segment)] = tops.get(element, -1)
        return found

    def alt_texts(self) -> list[tuple[object, str]]:
        return [(img, img.get("alt")) for img in self.root.iter("img") if img.get("alt")]

    def render(self, translations: dict[int, str], alts: dict[int, str],
               untranslated: Callable[[str], str] = str) -> str:
        """HTML with each segment replaced by its translation (keyed by id);
        `untranslated` adapts the text between segments (digits, punctuation)."""
        for run in self.runs:
            run.replace(translations, untranslated)
        for img, _ in self.alt_texts():
            img.set("alt", alts.get(id(img), img.get("alt")))
        inner = (self.root.text and html.escape(self.root.text, quote=False)) or ""
        return inner + "".join(lxml_html.tostring(child, encoding="unicode") for child in self.root)

    def _collect(self, element) -> None:
        if not isinstance(element.tag, str) or element.tag in SKIP_BLOCKS:
            return
        items: list = [("text", element)]
        for child in element:
            if isinstance(child.tag, str) and child.tag in INLINE:
                items.append(("inline", child))
                continue
            self._close_run(element, items)
            self._collect(child)  # a nested block (or br/img: nothing inside)
            items = [("tail", child)]
        self._close_run(element, items)

    def _close_run(self, parent, items: list) -> None:
        run = _Run(parent, items, self.glossary, self.lang)
        has_inline = any(kind == "inline" for kind, _ in items)
        # A run without sentences is still rewritten (its digits localised)
        # unless it holds inline markup, which only segments carry over.
        if run.segments or (run.text.strip() and not has_inline):
            self.runs.append(run)


class _Run:
    def __init__(self, parent, items: list, glossary: Glossary, lang: str):
        self.parent, self.items = parent, items
        self.text, spans = _flatten(items, glossary, lang)
        self.segments: list[Segment] = []
        self.separators: list[str] = []  # text before each segment, and after the last
        position = 0
        for start, end in _sentences(self.text, spans, lang):
            marked_up = any(start <= s.start < end and s.kind in ("element", "verbatim") for s in spans)
            if not _has_letters(self.text[start:end]) and not marked_up:
                continue
            self.separators.append(self.text[position:start])
            inside = [_shift(span, -start) for span in spans if start <= span.start and span.end <= end]
            self.segments.append(Segment(self.text[start:end], inside))
            position = end
        self.separators.append(self.text[position:])
        _mark_legacy(self.segments, items, lang)

    def replace(self, translations: dict[int, str], untranslated: Callable[[str], str]) -> None:
        pieces = []
        for separator, segment in zip(self.separators, self.segments):
            pieces += [html.escape(untranslated(separator), quote=False),
                       translations.get(id(segment), segment.source_html())]
        pieces.append(html.escape(untranslated(self.separators[-1]), quote=False))
        _replace_items(self.parent, self.items, "".join(pieces))


def _flatten(items: list, glossary: Glossary, lang: str) -> tuple[str, list[Span]]:
    text, spans = "", []
    for kind, node in items:
        if kind == "text":
            text += _soft(node.text)
        elif kind == "tail":
            text += _soft(node.tail)
        else:
            span = _element_span(node, len(text), glossary, lang)
            spans.append(span)
            text += span.inner.text if span.inner else span.source
            text += _soft(node.tail)
    return text, sorted(spans + _text_spans(text, spans, glossary), key=lambda s: s.start)


def _mark_legacy(segments: list[Segment], items: list, lang: str) -> None:
    """Each segment's `legacy`: the earlier reading cut the run at every
    line break and gave the engine hashtags as bare words."""
    raw = "".join((node.text if kind == "text" else node.tail if kind == "tail"
                   else node.text_content() + (node.tail or "")) or "" for kind, node in items)
    earlier = [_bare_hashtags(piece) for line in raw.split("\n") for piece in split_sentences(line, lang)]
    now = {_bare_hashtags(segment.text) for segment in segments}
    cut = tuple(piece for piece in earlier if piece not in now and _has_letters(piece))
    for segment in segments:
        bare = _bare_hashtags(segment.text)
        if bare not in earlier:
            segment.legacy = cut
        elif bare != segment.text:
            segment.legacy = (bare,)


def _bare_hashtags(text: str) -> str:
    return HASHTAG.sub(lambda match: match.group(1).replace("_", " "), text)


def _soft(text: str | None) -> str:
    """A soft line break (with the spaces around it) is one space."""
    return _SOFT_BREAK.sub(" ", text or "")


def _element_span(element, start: int, glossary: Glossary, lang: str) -> Span:
    attrs = "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in element.attrib.items())
    if element.tag in VERBATIM:
        source = _soft(element.text_content())
        return Span(start, start + len(source), "verbatim", source, element.tag, attrs)
    inner_text, inner_spans = _flatten(_items_of(element), glossary, lang)
    return Span(start, start + len(inner_text), "element", inner_text, element.tag, attrs,
                Segment(inner_text, inner_spans))


def _items_of(element) -> list:
    return [("text", element)] + [("inline", child) for child in element]


def _text_spans(text: str, taken: list[Span], glossary: Glossary) -> list[Span]:
    """Hashtags and glossary terms in the plain text, outside inline elements."""
    def free(start: int, end: int) -> bool:
        return all(end <= s.start or start >= s.end for s in found + taken)

    found: list[Span] = []
    for match in HASHTAG.finditer(text):
        if free(match.start(), match.end()):
            found.append(Span(match.start(), match.end(), "hashtag", match.group(1).replace("_", " ")))
    for match in glossary.find(text):
        if free(match.start, match.end):
            found.append(Span(match.start, match.end, "term", match.term))
    return sorted(found, key=lambda s: s.start)


def _sentences(text: str, spans: list[Span], lang: str) -> list[tuple[int, int]]:
    """Sentence ranges, merged where an inline element crosses a boundary."""
    merged: list[tuple[int, int]] = []
    for start, end in sentence_spans(text, lang):
        if merged and any(s.start < merged[-1][1] < s.end for s in spans):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _shift(span: Span, offset: int) -> Span:
    return Span(span.start + offset, span.end + offset, span.kind, span.source, span.tag, span.attrs, span.inner)


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _replace_items(parent, items: list, fragment_html: str) -> None:
    """Swap the run's original nodes for the translated fragment."""
    nodes = lxml_html.fragments_fromstring(fragment_html) if fragment_html.strip() else [fragment_html]
    lead = nodes[0] if nodes and isinstance(nodes[0], str) else ""
    elements = [node for node in nodes if not isinstance(node, str)]
    for kind, node in items:
        if kind == "inline":
            parent.remove(node)
    kind, anchor = items[0]
    if kind == "text":
        parent.text, position = lead, 0
    else:
        anchor.tail, position = lead, list(parent).index(anchor) + 1
    for offset, node in enumerate(elements):
        parent.insert(position + offset, node)
