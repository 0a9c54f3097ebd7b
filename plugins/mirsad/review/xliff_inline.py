"""A segment's inline markup as XLIFF 2.1 inline codes, and back.

The segments' HTML (mirsad.mt's MachineUnit.source/target) holds inline
elements only: links, emphasis, code. In XLIFF 2.1 Core (section 4.7, "Inline
Content") each becomes a code that a CAT tool shows as a tag the
translator moves but cannot edit:

- an element with translatable content (`<a href>`, `<em>`, `<strong>` ...)
  is a `<pc id dataRefStart dataRefEnd>` around its content;
- an element kept verbatim (`<code>`, `<kbd>`: never translated) or empty
  is a `<ph id dataRef>`;

and the tags themselves are kept in the unit's `<originalData>`, one
`<data id>` per opening or closing tag. Import never trusts the file's
`<originalData>`: it rebuilds the HTML from the codes of the *current*
source (`Codes.of`), so a target can only carry markup the original has.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from lxml import etree
from lxml import html as lxml_html

XLIFF = "urn:oasis:names:tc:xliff:document:2.0"
VERBATIM = {"code", "kbd"}  # as mirsad.mt.segments: kept as they are, never translated
VOID = {"br", "img", "wbr"}
PC_TYPES = {"a": "link", "q": "quote", **dict.fromkeys(("b", "em", "i", "mark", "s", "small", "strong", "sub",
                                                        "sup", "u"), "fmt")}
# Markup typed into a target's text would become raw HTML in the Markdown file.
TYPED_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!?]")
SCRIPT_URL = re.compile(r"j\s*a\s*v\s*a\s*s\s*c\s*r\s*i\s*p\s*t\s*:", re.IGNORECASE)


class InlineError(ValueError):
    """A source or target's inline content that cannot be turned back into the briefing's HTML."""


def q(name: str) -> str:
    return f"{{{XLIFF}}}{name}"


@dataclass(frozen=True)
class Code:
    id: str
    kind: str  # "pc" or "ph"
    refs: tuple[str, ...]  # the <data> ids: (start, end) for a pc, (whole,) for a ph
    key: str  # the original markup it stands for, to match a target's elements with the source's


@dataclass
class Codes:
    """The inline codes of one unit (taken from its source) and their original data."""

    data: dict[str, str] = field(default_factory=dict)  # <data id> → the original tag(s)
    by_id: dict[str, Code] = field(default_factory=dict)

    @classmethod
    def of(cls, source_html: str) -> Codes:
        codes = cls()
        codes.fill(etree.Element(q("source")), source_html, adding=True)
        return codes

    def fill(self, container: etree._Element, fragment: str, adding: bool) -> None:
        """Put `fragment` (a segment's HTML) into `container` as XLIFF inline
        content. The source adds codes; a target reuses the source's, in
        order, for the same markup, and adds its own only for markup the
        source lacks (the machine translation may, rarely, make some)."""
        root = lxml_html.fragment_fromstring(fragment or "", create_parent="div")
        unused = list(self.by_id.values())
        _copy(root, container, self, unused, adding)

    def add(self, kind: str, key: str, markup: tuple[str, ...]) -> Code:
        number = len(self.by_id) + 1
        refs = tuple(f"d{len(self.data) + n}" for n in range(1, len(markup) + 1))
        self.data.update(zip(refs, markup))
        code = Code(str(number), kind, refs, key)
        self.by_id[code.id] = code
        return code

    def original_data(self) -> etree._Element | None:
        if not self.data:
            return None
        element = etree.Element(q("originalData"))
        for ref, markup in self.data.items():
            etree.SubElement(element, q("data"), id=ref).text = markup
        return element


def _start_tag(element) -> str:
    attrs = "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in element.attrib.items())
    return f"<{element.tag}{attrs}>"


def _copy(html_parent, container: etree._Element, codes: Codes, unused: list[Code], adding: bool) -> None:
    _append_text(container, html_parent.text)
    for child in html_parent:
        if not isinstance(child.tag, str):  # an HTML comment: not part of the text
            _append_text(container, child.tail)
            continue
        start = _start_tag(child)
        if child.tag in VERBATIM or child.tag in VOID:
            # Written the way mirsad.mt.segments writes a verbatim span, so the HTML comes back the same.
            whole = start if child.tag in VOID else f"{start}{html.escape(child.text_content(), quote=False)}</{child.tag}>"
            code = _code_for(codes, unused, adding, "ph", whole, (whole,))
            element = etree.SubElement(container, q("ph"), id=code.id, dataRef=code.refs[0])
            if child.text_content():
                element.set("disp", child.text_content())
        else:
            code = _code_for(codes, unused, adding, "pc", start, (start, f"</{child.tag}>"))
            element = etree.SubElement(container, q("pc"), id=code.id, dataRefStart=code.refs[0],
                                       dataRefEnd=code.refs[1])
            if child.tag in PC_TYPES:
                element.set("type", PC_TYPES[child.tag])
            _copy(child, element, codes, unused, adding)
        _append_text(container, child.tail)


def _code_for(codes: Codes, unused: list[Code], adding: bool, kind: str, key: str,
              markup: tuple[str, ...]) -> Code:
    if not adding:
        match = next((code for code in unused if code.kind == kind and code.key == key), None)
        if match is not None:
            unused.remove(match)
            return match
    return codes.add(kind, key, markup)


def _append_text(container: etree._Element, text: str | None) -> None:
    if not text:
        return
    if len(container):
        container[-1].tail = (container[-1].tail or "") + text
    else:
        container.text = (container.text or "") + text


def to_html(container: etree._Element, codes: Codes, target: bool) -> str:
    """The segment's HTML from a `<source>` or `<target>`, with the tags of
    `codes` (the current source's). InlineError says what is wrong: an
    element that is no XLIFF inline code, a code the source does not have,
    markup typed as text."""
    used: set[str] = set()
    return _html(container, codes, target, used)


def _html(container: etree._Element, codes: Codes, target: bool, used: set[str]) -> str:
    out = [_text(container.text, target)]
    for child in container:
        if isinstance(child, etree._Comment):
            out.append(_text(child.tail, target))
            continue
        if not isinstance(child.tag, str):
            raise InlineError("a processing instruction inside the text: remove it")
        name = etree.QName(child)
        if name.namespace != XLIFF:
            raise InlineError(f"a raw <{name.localname}> element (not an XLIFF inline code): the text may only "
                              "hold the source's inline codes (<pc>, <ph>)")
        out.append(_code_html(child, name.localname, codes, target, used))
        out.append(_text(child.tail, target))
    return "".join(out)


def _code_html(element: etree._Element, tag: str, codes: Codes, target: bool, used: set[str]) -> str:
    if tag == "mrk":  # an annotation a CAT tool added (a comment, a term): its text counts
        return _html(element, codes, target, used)
    if tag in ("sm", "em"):  # an annotation's markers: empty, nothing of the text
        if len(element) or (element.text or "").strip():
            words = " ".join("".join(element.itertext()).split())[:60]
            raise InlineError(f"<{tag}> holds text ({words!r}): in XLIFF 2 it is an empty marker, so the text "
                              "would be lost; emphasis must use the source's inline codes (<pc>), or none")
        return ""
    if tag not in ("pc", "ph"):
        raise InlineError(f"<{tag}> inline codes are not supported: keep the source's <pc> and <ph> codes")
    code_id = element.get("id", "")
    code = codes.by_id.get(code_id)
    if code is None or code.kind != tag:
        raise InlineError(f"<{tag} id=\"{code_id}\"> is not an inline code of the source: "
                          "the target may only use the source's codes")
    refs = (element.get("dataRefStart"), element.get("dataRefEnd")) if tag == "pc" else (element.get("dataRef"),)
    if any(ref is not None and ref != expected for ref, expected in zip(refs, code.refs)):
        raise InlineError(f"<{tag} id=\"{code_id}\"> points at other original data than the source's "
                          f"({', '.join(code.refs)})")
    if code_id in used:
        raise InlineError(f"the inline code id=\"{code_id}\" is used twice")
    used.add(code_id)
    if tag == "ph":
        if len(element) or (element.text or "").strip():
            raise InlineError(f"<ph id=\"{code_id}\"> has content: a <ph> is empty")
        return codes.data[code.refs[0]]
    return codes.data[code.refs[0]] + _html(element, codes, target, used) + codes.data[code.refs[1]]


def _text(text: str | None, target: bool) -> str:
    if not text:
        return ""
    if target and TYPED_MARKUP.search(text):
        raise InlineError(f"markup typed as text ({TYPED_MARKUP.search(text).group(0)}...): "
                          "use the source's inline codes instead")
    if target and SCRIPT_URL.search(text):
        raise InlineError("a javascript: URL in the text")
    return html.escape(text, quote=False)


def hostile_markup(markup: str) -> str:
    """Why some original data must not be trusted ("" when it looks harmless)."""
    if re.search(r"<\s*script", markup, re.IGNORECASE):
        return "it carries a <script> element"
    if SCRIPT_URL.search(html.unescape(markup)):
        return "it carries a javascript: URL"
    return ""
