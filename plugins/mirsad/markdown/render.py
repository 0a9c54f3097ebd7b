"""Markdown to safe HTML: markdown-it-py (CommonMark + tables), then nh3."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink
from markdown_it.token import Token

from mirsad.text.bidi import Balancer, visible

# Told of each block whose direction controls were changed: its 0-based
# line in the Markdown source and what was done.
BidiReport = Callable[[int, list[str]], None]

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
    """CommonMark with raw HTML allowed (it is sanitised afterwards) and
    tables; direction controls in code shown as visible markers."""
    renderer = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    for rule in ("code_inline", "code_block", "fence"):
        renderer.add_render_rule(rule, _showing_controls(renderer.renderer.rules[rule]))
    return renderer


def _showing_controls(default: Callable[..., str]) -> Callable[..., str]:
    def rule(self, tokens, idx, options, env) -> str:
        return visible(default(tokens, idx, options, env))

    return rule


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


def render(markdown: str, renderer: MarkdownIt, url_schemes: Iterable[str],
           bidi_report: BidiReport = lambda line, changes: None) -> str:
    tokens = renderer.parse(markdown)
    _neutralise_blocks(tokens, bidi_report)
    return sanitise(_drop_raw_text_elements(renderer.renderer.render(tokens, renderer.options, {})), url_schemes)


def _neutralise_blocks(tokens: list[Token], report: BidiReport) -> None:
    """Each block's text (a paragraph, heading, table cell; its raw HTML)
    without embeddings or overrides, its isolates balanced (mirsad.text.bidi).
    Code is left to the render rules, which show its controls."""
    for token in tokens:
        if token.type == "inline":
            balancer = Balancer()
            texts = _texts(token.children or [])
            for text in texts:
                text.content = balancer.feed(text.content)
            closing = balancer.close()
            if closing:
                if texts:
                    texts[-1].content += closing
                else:
                    (token.children or []).append(Token("text", "", 0, content=closing))
        elif token.type == "html_block":
            balancer = Balancer()
            token.content = balancer.feed(token.content) + balancer.close()
        else:
            continue
        if balancer.changes:
            report(token.map[0] if token.map else 0, balancer.changes)


def _texts(children: list[Token]) -> list[Token]:
    """The text runs of an inline block, image alt text included, in order."""
    found = []
    for child in children:
        if child.type in ("text", "html_inline"):
            found.append(child)
        elif child.children:
            found.extend(_texts(child.children))
    return found


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
