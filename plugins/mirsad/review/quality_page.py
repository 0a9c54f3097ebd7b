"""mt-report.html (a page of its own, readable from file://: no script, no
external file) and writing the report's two files."""

from __future__ import annotations

import json
import math
from html import escape
from pathlib import Path
from typing import Any

from mirsad.common.files import atomic_file
from mirsad.i18n.api import Language

from .commands import ReviewError

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1a1a1a; }
table { border-collapse: collapse; margin: 0.5rem 0 2rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.6rem; vertical-align: top; }
th { background: #f2f2f2; text-align: start; }
td.n { text-align: end; font-variant-numeric: tabular-nums; }
tr.overall td { font-weight: bold; background: #fafafa; }
code { font-size: 0.85em; overflow-wrap: anywhere; }
"""

COLUMNS = ("Briefing", "Segments", "Alignment", "chrF++", "TER", "TER word edits / reference words",
           "Character edits / reference characters", "Character edit ratio")


def write_report(report: dict[str, Any], output: Path) -> tuple[Path, Path]:
    """DIR/mt-report.json and DIR/mt-report.html, each written whole or not
    at all: both are written under temporary names first, then renamed (if
    either cannot be written, neither is replaced)."""
    _check_numbers(report)
    page = render(report)
    data = json.dumps(report, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
    json_path, html_path = output / "mt-report.json", output / "mt-report.html"
    try:
        output.mkdir(parents=True, exist_ok=True)
        with atomic_file(json_path, "w") as json_file, atomic_file(html_path, "w") as html_file:
            json_file.write(data)
            html_file.write(page)
    except OSError as error:
        raise ReviewError(f"cannot write the report into {output}: {error.strerror or error}; "
                          "give another --output folder") from None
    return json_path, html_path


def _check_numbers(value: Any, where: str = "report") -> None:
    # The JSON promises numbers: a NaN or an infinity is a bug, caught here
    # rather than written.
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"mirsad_review: {where} is {value}, not a finite number")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_numbers(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_numbers(item, f"{where}[{index}]")


def render(report: dict[str, Any]) -> str:
    parts = ['<!DOCTYPE html>\n<html lang="en" dir="ltr">\n<head>\n<meta charset="utf-8">\n',
             "<title>Machine translation quality report</title>\n",
             '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
             f"<style>{STYLE}</style>\n</head>\n<body>\n",
             "<h1>Machine translation quality report</h1>\n",
             ("<p>Each model's machine translation scored against the site's own reviewed translations "
              "of the same briefings (text only: title, summary, key points, body blocks). Overall figures "
              "are corpus-level. chrF++: higher is closer; TER and the edit distances: lower is closer.</p>\n")]
    if not report["models"]:
        parts.append("<p>No reviewed translation could be compared (see the skipped ones below).</p>\n")
    for model in report["models"]:
        parts.append(_model_table(model))
    parts.append(_skipped(report["skipped"]))
    parts.append("<h2>Signatures</h2>\n<ul>\n")
    parts += [f"<li>{escape(name)}: <code>{escape(signature)}</code></li>\n"
              for name, signature in report["signatures"].items()]
    parts.append(f"</ul>\n<p>{escape(report['tool'])}</p>\n</body>\n</html>\n")
    return "".join(parts)


def _model_table(model: dict[str, Any]) -> str:
    target = Language.from_code(model["target_lang"])
    rows = [_row(_title_cell(b["title"], target, b["slug"]), b["segments"],
                 f"{b['body_alignment']}; points: {b['points_alignment']}", b["scores"])
            for b in model["per_briefing"]]
    overall = _row(f"<td>All {model['briefings']} briefings</td>", model["segments"], "corpus-level",
                   model["overall"], css=' class="overall"')
    head = "".join(f"<th scope=\"col\">{escape(column)}</th>" for column in COLUMNS)
    return (f"<h2>{escape(model['pair'])}: {escape(model['engine'])}</h2>\n"
            f"<p>Model version: <code>{escape(model['identity'])}</code></p>\n"
            f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{''.join(rows)}{overall}</tbody>\n</table>\n")


def _title_cell(title: str, language: Language, slug: str) -> str:
    return (f'<td><span lang="{escape(language.code)}" dir="{language.direction}">{escape(title)}</span>'
            f"<br><code>{escape(slug)}</code></td>")


def _row(first_cell: str, segments: int, alignment: str, scores: dict[str, Any], css: str = "") -> str:
    return (f"<tr{css}>{first_cell}<td class=\"n\">{segments}</td><td>{escape(alignment)}</td>"
            f"<td class=\"n\">{scores['chrf_pp']:.2f}</td><td class=\"n\">{scores['ter']:.2f}</td>"
            f"<td class=\"n\">{scores['ter_word_edits']} / {scores['reference_words']}</td>"
            f"<td class=\"n\">{scores['char_edit_distance']} / {scores['reference_chars']}</td>"
            f"<td class=\"n\">{scores['char_edit_ratio']:.3f}</td></tr>\n")


def _skipped(skipped: list[dict[str, str]]) -> str:
    if not skipped:
        return "<h2>Skipped</h2>\n<p>None: every reviewed translation was compared.</p>\n"
    reasons = {"outdated": "out of date: the original changed since the review",
               "no-machine-translation": "no machine translation (no model for this language)",
               "nothing-to-compare": "no text on either side"}
    items = "".join(f"<li><code>{escape(entry['path'])}</code> ({escape(entry['lang'])}): "
                    f"{escape(reasons.get(entry['reason'], entry['reason']))}</li>\n" for entry in skipped)
    return f"<h2>Skipped</h2>\n<ul>\n{items}</ul>\n"
