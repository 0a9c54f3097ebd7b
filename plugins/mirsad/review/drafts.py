"""Every briefing's translations as the review commands see them: the
source, the machine translation segment by segment (MachineUnits, with
their confidence and glossary terms) and the reviewed translation, if any.

A build with MIRSAD_REVIEW['export'] writes them to a JSON file
(`write_export`); the commands read it back (`read_export`). The JSON file
is an internal hand-over between two processes of one command, never kept.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any

from mirsad.common.files import atomic_file
from mirsad.i18n.api import every_original, source_hash
from mirsad.mt.api import MachineUnit


@dataclass(frozen=True)
class Reviewed:
    """A reviewed translation as published (content/translations/<slug>.<lang>.md)."""

    path: str
    translator: str
    reviewed: str  # the date, as written
    source_hash: str  # of the original it was reviewed against ("" when not recorded)
    outdated: bool  # the original changed since
    title: str
    html: str  # its body, as HTML
    summary: str = ""
    key_points: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Draft:
    """One briefing in one target language."""

    slug: str
    lang: str
    source_lang: str
    source_path: str  # the original's Markdown file
    source_hash: str  # of the original as it is now (mirsad.i18n's source_hash)
    source_title: str
    source_html: str  # the original's body, as HTML
    engine: str  # the machine translation's label ("" when none: no model)
    identity: str
    units: list[MachineUnit]  # the machine translation, segment by segment
    machine_html: str  # its body, as HTML
    reviewed: Reviewed | None

    def unit(self, unit_id: str) -> MachineUnit | None:
        return next((unit for unit in self.units if unit.id == unit_id), None)

    def targets(self, prefix: str) -> list[str]:
        """The machine translation of the units whose id starts with `prefix` ("point-" ...)."""
        return [unit.target for unit in self.units if unit.id.startswith(prefix)]


def collect(generator) -> list[Draft]:
    """The drafts of every briefing of this build, in every target language."""
    drafts = []
    for original in every_original(generator):  # a draft's translation can be reviewed before it goes out
        for translation in original.translations:
            if translation.lang == original.lang:
                continue
            reviewed = translation if translation.metadata.get("reviewed_translation") else None
            # Beside a reviewed translation (translate_reviewed), or behind a held one: the machine translation.
            machine = getattr(translation, "machine_translation_draft", None) or (None if reviewed else translation)
            if reviewed is None and not getattr(machine, "machine_units", None):
                continue  # a placeholder: no model for this language
            drafts.append(_draft(original, translation.lang, machine, reviewed))
    return sorted(drafts, key=lambda draft: (draft.slug, draft.lang))


def _draft(original, lang: str, machine, reviewed) -> Draft:
    engine = (machine.metadata.get("machine_translation") or {}).get("engine", "") if machine else ""
    return Draft(
        slug=original.slug, lang=lang, source_lang=original.lang,
        source_path=original.source_path, source_hash=source_hash(original.source_path),
        source_title=original.title, source_html=original._content,
        engine=engine, identity=getattr(machine, "machine_identity", "") if machine else "",
        units=list(getattr(machine, "machine_units", ())) if machine else [],
        machine_html=machine._content if machine else "",
        reviewed=_reviewed(reviewed) if reviewed else None,
    )


def _reviewed(article) -> Reviewed:
    metadata = article.metadata
    return Reviewed(
        path=article.source_path, translator=str(metadata.get("translator", "")),
        reviewed=str(metadata.get("reviewed", "")), source_hash=str(metadata.get("source_hash", "")),
        outdated=bool(getattr(article, "review_outdated", False)), title=article.title, html=article._content,
        summary=str(metadata.get("summary_text") or ""), key_points=[str(p) for p in metadata.get("key_points") or []],
    )


def write_export(path: str, drafts: list[Draft]) -> None:
    with atomic_file(path, "w") as handle:
        json.dump([asdict(draft) for draft in drafts], handle, ensure_ascii=False)


def read_export(path: str | os.PathLike) -> list[Draft]:
    with open(path, encoding="utf-8") as handle:
        return [_from_dict(entry) for entry in json.load(handle)]


def _from_dict(entry: dict[str, Any]) -> Draft:
    units = [MachineUnit(**{**unit, "terms": tuple(map(tuple, unit["terms"])),
                            "flags": tuple(unit.get("flags", ()))}) for unit in entry["units"]]
    reviewed = Reviewed(**entry["reviewed"]) if entry["reviewed"] else None
    return Draft(**{**entry, "units": units, "reviewed": reviewed})
