"""What a review page shows (built by review_site, rendered by review_site_page)."""

from __future__ import annotations

from dataclasses import dataclass, field

from mirsad.mt.api import MachineUnit

from .drafts import Draft

REVIEWED, DRAFT, MACHINE, OUTDATED = "reviewed", "draft", "machine only", "outdated"


@dataclass(frozen=True)
class Row:
    """One source block (or the title, or the whole body) beside its translation."""

    label: str
    source: str  # HTML: the pipeline's, with <mark>s of ours
    translation: str
    terms: list[tuple[str, str]]  # glossary terms in it: (source term, enforced translation)
    unmarked: list[MachineUnit] = field(default_factory=list)  # low-confidence units not found in the HTML


@dataclass(frozen=True)
class Change:
    """One paragraph of the source diff."""

    kind: str  # "same", "removed" or "added"
    html: str


@dataclass(frozen=True)
class ReviewPage:
    draft: Draft
    status: str  # REVIEWED, DRAFT, MACHINE or OUTDATED
    threshold: float  # MIRSAD_MT['low_confidence']
    low: list[MachineUnit]  # the units below it
    rows: list[Row]
    changes: list[Change] | None  # the source diff, when outdated and a snapshot is kept
    diff_note: str = ""  # why there is no diff
    source_file: str = ""  # the original's path, relative to the project when inside it
    reviewed_file: str = ""  # the reviewed translation's, likewise

    @property
    def file_name(self) -> str:
        return f"{self.draft.slug}.{self.draft.lang}.html"
