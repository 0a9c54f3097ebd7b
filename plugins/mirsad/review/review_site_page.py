"""The review pages' HTML: standalone (no script, no external file, links
relative: the folder works opened from disk), not for search engines
(noindex). Every text is escaped; the only HTML taken as it is is the
bodies the site's own sanitising pipeline made, with our <mark>s."""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from mirsad.i18n.api import Language

from .commands import plain
from .review_page import MACHINE, OUTDATED, REVIEWED, Change, ReviewPage, Row

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1a1a1a; }
table { border-collapse: collapse; margin-block: 0.5rem 2rem; inline-size: 100%; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; vertical-align: top; text-align: start; }
thead th { background: #f2f2f2; }
td.n { text-align: end; font-variant-numeric: tabular-nums; }
td.pair { inline-size: 40%; }
td.pair table { margin-block: 0.2rem; }
mark { background: #ffe08a; }
ul.terms { margin: 0; padding-inline-start: 1.2rem; }
.status-outdated { color: #a00; font-weight: bold; }
.diff > * { margin-block: 0.3rem; padding-inline-start: 0.5rem; border-inline-start: 4px solid transparent; }
.diff del { display: block; text-decoration: line-through; background: #fde2e2; border-inline-start-color: #c00; }
.diff ins { display: block; text-decoration: none; background: #e0f5e0; border-inline-start-color: #080; }
nav { margin-block-end: 1rem; }
"""

SAYS = {
    REVIEWED: "Reviewed translation (published).",
    OUTDATED: "Reviewed translation, out of date: the original changed since the review (published with a note).",
    MACHINE: "Machine translation only: no reviewed translation yet (`invoke review` writes a draft).",
}


def _head(title: str) -> str:
    return ('<!DOCTYPE html>\n<html lang="en" dir="ltr">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(title)}</title>\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            '<meta name="robots" content="noindex">\n'
            f"<style>{STYLE}</style>\n</head>\n<body>\n")


def _lang(code: str) -> str:
    return f'lang="{escape(code)}" dir="{Language.from_code(code).direction}"'


def render_index(pages: list[ReviewPage]) -> str:
    head = "".join(f'<th scope="col">{escape(name)}</th>' for name in
                   ("Briefing", "Language", "Status", "Engine", "Low-confidence sentences", "Page"))
    rows = []
    for page in pages:
        draft = page.draft
        rows.append(f'<tr><td><span {_lang(draft.source_lang)}>{escape(draft.source_title)}</span><br>'
                    f"<code>{escape(draft.slug)}</code></td><td>{escape(draft.lang)}</td>"
                    f'<td class="status-{page.status.replace(" ", "-")}">{escape(page.status)}</td>'
                    f"<td>{escape(draft.engine or 'none')}</td><td class=\"n\">{len(page.low)}</td>"
                    f'<td><a href="{quote(page.file_name)}">review {escape(draft.slug)} ({escape(draft.lang)})</a>'
                    "</td></tr>\n")
    threshold = f"{pages[0].threshold:g}" if pages else "-"
    body = (f"<h1>Review pages</h1>\n<p>Every briefing in every target language. Low-confidence: below "
            f"{escape(threshold)} (MIRSAD_MT['low_confidence']). Not part of the published site.</p>\n")
    if not pages:
        body += "<p>No briefing has a translation to review.</p>\n"
    else:
        body += f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{''.join(rows)}</tbody>\n</table>\n"
    return _head("Review pages") + body + "</body>\n</html>\n"


def render_page(page: ReviewPage) -> str:
    draft = page.draft
    parts = [_head(f"Review: {draft.slug} ({draft.source_lang}→{draft.lang})"),
             '<nav><a href="index.html">All review pages</a></nav>\n',
             (f"<h1><span {_lang(draft.source_lang)}>{escape(draft.source_title)}</span> "
              f"({escape(draft.source_lang)}→{escape(draft.lang)})</h1>\n"),
             _about(page), _pairs(page), _low(page), _diff(page), "</body>\n</html>\n"]
    return "".join(parts)


def _about(page: ReviewPage) -> str:
    draft = page.draft
    says = SAYS.get(page.status, "A draft exists (content/translations), not signed yet: the page still "
                                 "shows the machine translation, as below.")
    items = [f"<li>Status: {escape(page.status)}. {escape(says)}</li>",
             f"<li>Original: <code>{escape(page.source_file)}</code></li>",
             f"<li>Machine translation: {escape(draft.engine or 'none (no model for this language)')}</li>"]
    if draft.reviewed:
        items.append(f"<li>Reviewed translation: <code>{escape(page.reviewed_file)}</code>, by "
                     f"{escape(draft.reviewed.translator or 'nobody')} on {escape(draft.reviewed.reviewed or '?')}"
                     "</li>")
    shown = "the reviewed translation" if draft.reviewed else "the machine translation"
    items.append(f"<li>Beside the original: {shown}. {len(page.low)} sentence(s) below confidence "
                 f"{page.threshold:g} are <mark>marked</mark> (hover for the figure).</li>")
    return "<ul>\n" + "\n".join(items) + "\n</ul>\n"


def _pairs(page: ReviewPage) -> str:
    draft = page.draft
    head = (f'<th scope="col">Block</th><th scope="col">Original ({escape(draft.source_lang)})</th>'
            f'<th scope="col">Translation ({escape(draft.lang)})</th><th scope="col">Glossary</th>')
    rows = "".join(_row(row, draft.source_lang, draft.lang) for row in page.rows)
    return f"<h2>Side by side</h2>\n<table class=\"pairs\">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>\n"


def _row(row: Row, source: str, target: str) -> str:
    terms = "".join(f'<li><span {_lang(source)}>{escape(term)}</span> → <span {_lang(target)}>'
                    f"{escape(rendering)}</span></li>" for term, rendering in row.terms)
    glossary = f'<ul class="terms">{terms}</ul>' if terms else ""
    unmarked = "".join(f'<p>Low confidence: <mark title="confidence {unit.confidence:.2f}">'
                       f"{escape(plain(unit.target))}</mark></p>{_flags(unit)}" for unit in row.unmarked)
    return (f'<tr><th scope="row">{escape(row.label)}</th><td class="pair" {_lang(source)}>{row.source}</td>'
            f'<td class="pair" {_lang(target)}>{row.translation}{unmarked}</td><td>{glossary}</td></tr>\n')


def _low(page: ReviewPage) -> str:
    if not page.low:
        return ""
    items = "".join(f"<li><code>{escape(unit.id)}</code> {unit.confidence:.2f}: "
                    f'<span {_lang(page.draft.source_lang)}>{escape(plain(unit.source))}</span> → '
                    f'<span {_lang(page.draft.lang)}>{escape(plain(unit.target))}</span>{_flags(unit)}</li>\n'
                    for unit in sorted(page.low, key=lambda u: u.confidence or 0.0))
    return f"<h2>Least confident first</h2>\n<ul>\n{items}</ul>\n"


def _flags(unit) -> str:
    """Why the pipeline flagged the sentence (mirsad.mt: failed output, a lost token...)."""
    if not unit.flags:
        return ""
    return '<ul class="flags">' + "".join(f"<li>Flagged: {escape(flag)}</li>" for flag in unit.flags) + "</ul>"


def _diff(page: ReviewPage) -> str:
    if page.status != OUTDATED:
        return ""
    intro = "<h2>What changed in the original since the review</h2>\n"
    if page.changes is None:
        return intro + f"<p>{escape(page.diff_note)}</p>\n"
    if not any(change.kind != "same" for change in page.changes):
        return intro + "<p>No paragraph changed (the change is in the front matter or in spacing).</p>\n"
    blocks = "".join(_change(change) for change in page.changes)
    return (intro + "<p>Paragraphs removed from the original are struck through (red), added ones are in green; a changed paragraph is both.</p>\n"
            f'<div class="diff" {_lang(page.draft.source_lang)}>\n{blocks}</div>\n')


def _change(change: Change) -> str:
    tag = {"removed": "del", "added": "ins"}.get(change.kind)
    return f"<{tag}>{change.html}</{tag}>\n" if tag else f"<div>{change.html}</div>\n"
