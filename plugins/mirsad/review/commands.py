"""The review commands' work (tasks.py only parses arguments and calls these).

Each command first runs a build of the site (into a temporary folder, no
PDFs) that machine-translates every briefing, reviewed or not, through the
translation memory, and hands over its drafts (mirsad.review.drafts). The
build holds the project lock: it shares the memory with `invoke build`.
"""

from __future__ import annotations

import html
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mirsad.build.api import project_lock, run_pelican

from .drafts import Draft, read_export
from .markdown_file import file_text, write_new
from .sources import keep_source


class ReviewError(Exception):
    """A review command cannot do what it was asked; the message says what to do."""


@dataclass(frozen=True)
class Project:
    pelican: Path  # the pelican command of the project's .venv
    content: Path
    settings_file: Path  # pelicanconf.py
    settings: dict[str, Any]  # as read from it
    lock_file: Path
    overrides: dict[str, Any] = field(default_factory=dict)  # more settings for its builds (CACHE_PATH ...)
    build_log: Path | None = None  # where its builds' messages go (None: the console)

    @property
    def translations(self) -> Path:
        from mirsad.i18n.api import load_config

        return self.content / load_config(self.settings).options["translations_path"]


def machine_drafts(project: Project, strict: bool = False) -> list[Draft]:
    """Every briefing's drafts in every target language, from a build."""
    settings = project.settings
    overrides = {
        **project.overrides,
        "MIRSAD_MT": {**(settings.get("MIRSAD_MT") or {}), "translate_reviewed": True},
        "MIRSAD_PDF": {**(settings.get("MIRSAD_PDF") or {}), "briefings": False, "digest": False},
    }
    with tempfile.TemporaryDirectory(prefix="mirsad-review-") as folder, project_lock(project.lock_file):
        export = Path(folder) / "drafts.json"
        overrides["MIRSAD_REVIEW"] = {**(settings.get("MIRSAD_REVIEW") or {}), "export": str(export)}
        run_pelican(project.pelican, project.content, project.settings_file, Path(folder) / "site", strict=strict,
                    overrides=overrides, log=project.build_log)
        return read_export(export)


def select(drafts: list[Draft], slug: str = "", lang: str = "") -> list[Draft]:
    """The drafts of `slug` (all when empty) in `lang` (all when empty);
    an unknown slug or language is an error that lists the known ones."""
    if slug and slug not in {d.slug for d in drafts}:
        raise ReviewError(f"no briefing has the slug {slug!r}; the slugs are: "
                          f"{', '.join(sorted({d.slug for d in drafts})) or 'none'}")
    if lang and lang not in {d.lang for d in drafts}:
        raise ReviewError(f"{lang!r} is not a target language of this site; they are: "
                          f"{', '.join(sorted({d.lang for d in drafts})) or 'none'}")
    return [d for d in drafts if (not slug or d.slug == slug) and (not lang or d.lang == lang)]


def select_one(drafts: list[Draft], slug: str, lang: str) -> Draft:
    """The one draft of `slug` in `lang`; a briefing written in `lang` has none."""
    if not slug or not lang:
        raise ReviewError("name the briefing (its slug) and the target language")
    found = select(drafts, slug, lang)
    if not found:
        raise ReviewError(f"{slug} is written in {lang}: it has no translation into {lang}; "
                          f"its target languages are: {', '.join(sorted(d.lang for d in drafts if d.slug == slug))}")
    return found[0]


def write_draft(draft: Draft, translations: Path) -> Path:
    """content/translations/<slug>.<lang>.md, pre-filled from the machine
    translation and marked as a draft. An existing file is never touched
    (TranslationFileExists)."""
    if not draft.units:
        raise ReviewError(f"{draft.slug} has no machine translation into {draft.lang} (no model installed?): "
                          "install one with `invoke models`, or write the translation by hand")
    path = translations / f"{draft.slug}.{draft.lang}.md"
    fields: dict[str, Any] = {"title": plain(draft.targets("title")[0]), "status": "draft",
                              "source_hash": draft.source_hash}
    if draft.targets("summary"):
        fields["summary"] = plain(draft.targets("summary")[0])
    if draft.targets("point-"):
        fields["key_points"] = [plain(point) for point in draft.targets("point-")]
    write_new(path, file_text(fields, draft.machine_html, draft=True))
    keep_source(draft.source_path, draft.slug, draft.source_hash, translations)
    return path


def plain(fragment: str) -> str:
    """The text of a translated fragment (title, summary, point)."""
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))
