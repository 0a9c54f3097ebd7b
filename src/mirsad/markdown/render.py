"""Markdown to safe HTML: markdown-it-py (CommonMark + tables), then nh3."""

from __future__ import annotations

import re
from collections.abc import Iterable

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink

# Allowlist: what briefings legitimately contain. Anything else (script,
# iframe, style, form, event handlers, javascript:/data: URLs) is removed.
ALLOWED_TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code",
    "dd", "del", "dfn", "div", "dl", "dt", "em", "figcaption", "figure",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
}
ALLOWED_ATTRIBUTES = {
    "*": {"lang", "dir", "title"},
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "td": {"style", "colspan", "rowspan"},
    "th": {"style", "colspan", "rowspan", "scope"},
    "ol": {"start", "reversed"},
    "time": {"datetime"},
    "abbr": {"title"},
}
# markdown-it writes column alignment as style="text-align:..."; keep only that.
ALLOWED_STYLE_PROPERTIES = {"text-align"}
# nh3 keeps any value of an allowed property ("text-align:expression(...)",
# which old IE runs as script): only an alignment keyword survives.
_ALIGNMENT = re.compile(r"\s*text-align\s*:\s*(left|right|center|start|end|justify)\s*", re.IGNORECASE)


def make_renderer() -> MarkdownIt:
    """CommonMark with raw HTML allowed (it is sanitised afterwards) and tables."""
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def sanitise(html: str, url_schemes: Iterable[str]) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        filter_style_properties=ALLOWED_STYLE_PROPERTIES,
        attribute_filter=_filter_attribute,
        url_schemes=set(url_schemes),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Called by nh3 for every kept attribute; None drops it."""
    if attribute in ("href", "src"):
        # Written as markdown-it writes Markdown links (non-ASCII and spaces
        # percent-encoded, IDN hosts in punycode): lxml, which translated
        # pages go through, would otherwise re-encode raw-HTML URLs, and the
        # languages of one briefing would not carry the same href.
        return normalizeLink(value.strip())
    if attribute == "style":
        for declaration in value.split(";"):
            match = _ALIGNMENT.fullmatch(declaration)
            if match:
                return f"text-align:{match.group(1).lower()}"
        return None
    return value


def render(markdown: str, renderer: MarkdownIt, url_schemes: Iterable[str]) -> str:
    return sanitise(_drop_raw_text_elements(renderer.render(markdown)), url_schemes)


# Elements an HTML parser reads as raw text up to their end tag. None is
# allowed; one left unclosed in a briefing's raw HTML would make the parser
# (and so the sanitiser) swallow the whole rest of the body without a trace.
_RAW_TEXT = "script|style|textarea|title|xmp|iframe|noembed|noframes|noscript|plaintext"
_RAW_TEXT_ELEMENT = re.compile(rf"<({_RAW_TEXT})\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_RAW_TEXT_TAG = re.compile(rf"</?(?:{_RAW_TEXT})\b[^>]*>", re.IGNORECASE)


def _drop_raw_text_elements(html: str) -> str:
    """Remove such elements with their content, then any tag of one left
    unclosed, so that the text after it stays. Markdown text and code come
    out of markdown-it escaped (&lt;), so only raw HTML matches here."""
    return _RAW_TEXT_TAG.sub("", _RAW_TEXT_ELEMENT.sub("", html))
