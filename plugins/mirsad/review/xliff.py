"""A briefing's translation as an XLIFF 2.1 file for CAT tools, and back
(`invoke xliff-export`, `invoke xliff-import`; the layout is in docs/review.md).

One `<unit>` per segment of the translation memory (title, summary,
point-N, body-N, alt-N: mirsad.mt's MachineUnits), its source and machine
translation as `<segment state="initial">`, inline markup as codes
(xliff_inline), notes for the engine's confidence and the glossary terms.
The file records which briefing (`<file id>`), which languages, and the
original's source_hash; import checks all of them against the briefing as
it is now, and puts the targets back into the original's HTML with the
same segmentation (mirsad.mt's Document.render) before writing the
reviewed translation's Markdown. Import writes nothing unless the whole
file passes.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from mirsad.common.files import atomic_file
from mirsad.mt.api import Document, Glossary, load_config, localise_untranslated

from .commands import Project, ReviewError, machine_drafts, plain, select_one
from .drafts import Draft
from .markdown_file import TranslationFileExists, file_text, write_new
from .sources import keep_source
from .xliff_inline import XLIFF, Codes, InlineError, hostile_markup, q, to_html

VERSIONS = {"2.0", "2.1"}  # a CAT tool may write the file back as 2.0: the elements used are the same
REPLACED = ".replaced"  # <translations>/.replaced/: files --replace moved aside


class XliffRefused(ReviewError):
    """An XLIFF file that cannot be imported; the message lists every reason (file, unit)."""


def export_xliff(draft: Draft, original: str) -> bytes:
    """The XLIFF 2.1 file of `draft`; `original` is the briefing's file, relative to the content."""
    if not draft.units:
        raise ReviewError(f"{draft.slug} has no machine translation into {draft.lang} (no model installed?): "
                          "install one with `invoke models`")
    root = etree.Element(q("xliff"), nsmap={None: XLIFF}, version="2.1", srcLang=draft.source_lang,
                         trgLang=draft.lang)
    file = etree.SubElement(root, q("file"), id=draft.slug, original=original)
    _notes(file, [("mirsad:source_hash", draft.source_hash), ("mirsad:engine", draft.engine)])
    for unit in draft.units:
        element = etree.SubElement(file, q("unit"), id=unit.id)
        notes = [("mirsad:confidence", f"{unit.confidence:.2f}")] if unit.confidence is not None else []
        _notes(element, notes + [("mirsad:glossary", f"{term} → {rendering}") for term, rendering in unit.terms])
        codes = Codes()
        segment = etree.Element(q("segment"), state="initial")
        codes.fill(etree.SubElement(segment, q("source")), unit.source, adding=True)
        codes.fill(etree.SubElement(segment, q("target")), unit.target, adding=False)
        data = codes.original_data()  # the source's markup, and any only the machine translation has
        if data is not None:
            element.append(data)
        element.append(segment)
    _indent(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


STRUCTURE = {q(name) for name in ("xliff", "file", "unit", "notes", "originalData", "segment")}


def _indent(element: etree._Element, level: int = 0) -> None:
    """Indent the file's structure, never the text: lxml's pretty_print
    would add whitespace inside a <source> that holds only a code."""
    if element.tag not in STRUCTURE or not len(element):
        return
    element.text = "\n" + "  " * (level + 1)
    for child in element:
        _indent(child, level + 1)
        child.tail = "\n" + "  " * (level + 1)
    element[-1].tail = "\n" + "  " * level


def _notes(parent: etree._Element, notes: list[tuple[str, str]]) -> None:
    if notes:
        container = etree.SubElement(parent, q("notes"))
        for category, text in notes:
            etree.SubElement(container, q("note"), category=category).text = text


def write_xliff(draft: Draft, output: Path, content: Path) -> Path:
    """Write the XLIFF file of `draft` to `output`, which must not exist yet
    (it may be a translator's work in progress)."""
    try:
        write_new(output, export_xliff(draft, _original(draft, content)).decode("utf-8"))
    except TranslationFileExists:
        raise ReviewError(f"{output} already exists: it is kept as it is (it may be a translator's work); "
                          "give another --output, or move it away") from None
    return output


def _original(draft: Draft, content: Path) -> str:
    """The briefing's file as <file original> names it: relative to the content."""
    source = Path(draft.source_path)
    return source.relative_to(content).as_posix() if source.is_relative_to(content) else source.name


@dataclass(frozen=True)
class Imported:
    path: Path  # the reviewed translation written
    signed: bool
    untranslated: list[str]  # unit ids with no target: their machine translation was kept
    unconfirmed: list[str]  # unit ids still in state "initial" (the machine translation, unchanged in the tool)
    replaced: Path | None  # where --replace moved the previous file


def read_xliff(path: Path) -> etree._ElementTree:
    """The file's tree, parsed with no DTD, no entities and no network;
    a DOCTYPE (the way to XXE and entity expansion) is refused outright."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise XliffRefused(f"{path}: cannot read it ({error.strerror})") from None
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise XliffRefused(f"{path}: it has a DOCTYPE or entity declarations, which XLIFF does not use "
                           "(and which can read local files or expand without end): refused")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                             huge_tree=False)
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as error:
        raise XliffRefused(f"{path}: not well-formed XML (line {error.lineno}: {error.msg}): "
                           "save it again from the CAT tool") from None
    if tree.docinfo.doctype:
        raise XliffRefused(f"{path}: it has a DOCTYPE: refused")
    return tree


def import_xliff(path: Path, project: Project, translator: str = "", replace: bool = False,
                 drafts: list[Draft] | None = None) -> Imported:
    """Check `path` against the briefing as it is now and write its reviewed
    translation; XliffRefused (nothing written) if anything is wrong.
    `drafts`: machine_drafts(project), when the caller has them already."""
    tree = read_xliff(path)
    file, lang = _file_element(tree, path)
    slug = file.get("id", "")
    try:
        draft = select_one(machine_drafts(project) if drafts is None else drafts, slug, lang)
    except ReviewError as error:
        raise XliffRefused(f"{path}: <file id=\"{slug}\"> trgLang=\"{lang}\": {error}") from None
    _check_file(path, tree, file, draft, project.content)
    targets, untranslated, unconfirmed = _targets(path, file, draft)
    fields, body = _reviewed_file(draft, targets, project)
    signed = bool(translator) and not untranslated
    if signed:
        fields = {"title": fields["title"], "translator": translator,
                  "reviewed": datetime.now(UTC).date(), **fields}
    else:
        fields = {"title": fields["title"], "status": "draft", **fields}
    written = project.translations / f"{slug}.{lang}.md"
    replaced = _write(written, file_text(fields, body, draft=not signed), replace)
    keep_source(draft.source_path, draft.slug, draft.source_hash, project.translations)
    return Imported(written, signed, untranslated, unconfirmed, replaced)


def _file_element(tree: etree._ElementTree, path: Path) -> tuple[etree._Element, str]:
    root = tree.getroot()
    if root.tag != q("xliff"):
        raise XliffRefused(f"{path}: not an XLIFF 2 file (its root is <{etree.QName(root).localname}> in "
                           f"{etree.QName(root).namespace or 'no namespace'}, not <xliff> in {XLIFF})")
    if root.get("version") not in VERSIONS:
        raise XliffRefused(f"{path}: XLIFF version {root.get('version')!r}: export it again as 2.1")
    files = root.findall(q("file"))
    if len(files) != 1:
        raise XliffRefused(f"{path}: {len(files)} <file> elements; a Mirsad export has one, one briefing")
    return files[0], root.get("trgLang", "")


def _check_file(path: Path, tree: etree._ElementTree, file: etree._Element, draft: Draft, content: Path) -> None:
    root, problems = tree.getroot(), []
    if root.get("srcLang") != draft.source_lang:
        problems.append(f"srcLang {root.get('srcLang')!r} is not the briefing's language {draft.source_lang!r}")
    expected = _original(draft, content)
    if file.get("original") not in (None, expected):
        problems.append(f"<file original={file.get('original')!r}> is not the briefing's file {expected!r}")
    if problems:
        raise XliffRefused("\n".join(f"{path}: {problem}" for problem in problems))


def _targets(path: Path, file: etree._Element, draft: Draft) -> tuple[dict[str, str], list[str], list[str]]:
    """Each unit's translation (HTML), checked: the sources must be the
    briefing's current ones, the targets only use their inline codes."""
    current = {unit.id: unit for unit in draft.units}
    targets: dict[str, str] = {}
    untranslated, unconfirmed, problems = [], [], []
    for element in file.iter(q("unit")):
        unit_id = element.get("id", "")
        unit = current.get(unit_id)
        if unit is None:
            problems.append((unit_id, f"no such segment in {draft.slug} (its units are {', '.join(current)})"))
            continue
        if unit_id in targets or unit_id in untranslated:
            problems.append((unit_id, "the unit is in the file twice"))
            continue
        try:
            translation, state = _unit_target(element, unit.source)
        except InlineError as error:
            problems.append((unit_id, str(error)))
            continue
        if translation is None:
            untranslated.append(unit_id)
            translation = unit.target
        elif state == "initial":
            unconfirmed.append(unit_id)
        targets[unit_id] = translation
    missing = [unit_id for unit_id in current if unit_id not in targets and unit_id not in untranslated]
    problems += [(unit_id, "missing from the file (the original has it)") for unit_id in missing]
    if problems:
        changed = file.findtext(f"{q('notes')}/{q('note')}[@category='mirsad:source_hash']")
        stale = (f"{path}: the original changed since this file was exported (source_hash {changed}, now "
                 f"{draft.source_hash}): export it again and carry the translations over in the CAT tool")
        lead = [stale] if changed and changed != draft.source_hash else []
        raise XliffRefused("\n".join(lead + [f"{path}: unit {unit_id}: {reason}" for unit_id, reason in problems]))
    return targets, untranslated, unconfirmed


def _unit_target(element: etree._Element, current_source: str) -> tuple[str | None, str]:
    """The unit's target as HTML (None when left empty) and its state;
    InlineError when its source is not the current one or its target is unsafe."""
    codes = Codes.of(current_source)
    container = element.find(q("originalData"))
    data = {d.get("id", ""): d.text or "" for d in container.iter(q("data"))} if container is not None else {}
    for ref, markup in data.items():
        if hostile_markup(markup):
            raise InlineError(f"its original data {ref} is refused: {hostile_markup(markup)}")
    if {ref: data.get(ref) for ref in codes.data} != codes.data:
        raise InlineError("its <originalData> is not the original's markup (the source's links, emphasis, code)")
    segments = element.findall(q("segment"))
    if len(segments) != 1:
        raise InlineError(f"{len(segments)} <segment> elements; a Mirsad unit has one (do not split or join "
                          "segments in the CAT tool)")
    segment = segments[0]
    source = segment.find(q("source"))
    if source is None or to_html(source, codes, target=False) != current_source:
        raise InlineError("its source is not the original's segment as it is now")
    target = segment.find(q("target"))
    if target is None or (not (target.text or "").strip() and not len(target)):
        return None, segment.get("state", "")
    return to_html(target, codes, target=True), segment.get("state", "")


def _reviewed_file(draft: Draft, targets: dict[str, str], project: Project) -> tuple[dict, str]:
    """The front matter fields (but for the signature) and the body's HTML."""
    config = load_config(project.settings)
    document = Document(draft.source_html, Glossary.load(str(config.glossary), config.source, config.targets),
                        draft.source_lang)
    segments = document.segments()
    body_units = [unit for unit in draft.units if unit.id.startswith("body-")]
    if [segment.source_html() for segment in segments] != [unit.source for unit in body_units]:
        raise ReviewError(f"{draft.source_path}: its body does not cut into the segments the build made; "
                          "report this as a Mirsad bug, with the briefing")
    fragments = {id(segment): targets[unit.id] for segment, unit in zip(segments, body_units)}
    alts = {id(img): plain(targets[f"alt-{n}"]) for n, (img, _) in enumerate(document.alt_texts(), 1)}
    body = document.render(fragments, alts, lambda text: localise_untranslated(text, draft.lang))
    if hostile_markup(body):  # cannot happen through the checks above; the file is published as HTML
        raise ReviewError(f"{draft.slug}.{draft.lang}: the imported body is refused: {hostile_markup(body)}")
    fields: dict = {"title": plain(targets["title"]), "source_hash": draft.source_hash}
    if "summary" in targets:
        fields["summary"] = plain(targets["summary"])
    points = [plain(text) for unit_id, text in targets.items() if unit_id.startswith("point-")]
    if points:
        fields["key_points"] = points
    return fields, body


def _write(path: Path, text: str, replace: bool) -> Path | None:
    """Write the reviewed translation; an existing one is only replaced with
    `replace`, after a copy of it is kept in <translations>/.replaced/."""
    if not path.exists():
        try:
            write_new(path, text)
            return None
        except TranslationFileExists:
            pass  # made in the meantime: as if it had been there
    if not replace:
        raise TranslationFileExists(f"{path} already exists: it is kept as it is. Give --replace to replace it "
                                    f"(a copy is kept in {path.parent / REPLACED}/), or move it away")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    kept = path.parent / REPLACED / f"{path.stem}-{stamp}.md"
    kept.parent.mkdir(parents=True, exist_ok=True)
    partial = kept.with_name(f".{kept.name}.part")
    shutil.copyfile(path, partial)
    os.replace(partial, kept)
    with atomic_file(path, "w") as handle:
        handle.write(text)
    return kept
