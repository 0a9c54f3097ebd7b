"""The newsroom's own measure of each model (`invoke mt-report`): the
machine translation of every briefing that has a reviewed translation,
scored against that reviewed translation with sacrebleu's chrF++
(CHRF(word_order=2)) and TER, per briefing and per language pair and model
version, with the post-edit distance (TER's word edits and a character
edit distance).

Text is compared, not HTML: the title, the summary, the key points and the
body's top-level blocks (paragraph, heading, list, table), with whitespace
collapsed. The machine translation keeps the original's blocks; a reviewed
translation usually does too, and then each block is a segment. Where the
block counts differ the body is one segment (alignment "body"), since
pairing the wrong blocks would score translations of different sentences.
Overall figures are corpus-level (sacrebleu over all the segments), not a
mean of per-briefing scores.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import sacrebleu
from lxml import html as lxml_html
from sacrebleu.metrics import CHRF, TER

from .commands import plain
from .drafts import Draft

logger = logging.getLogger(__name__)

OUTDATED = "outdated"  # the original changed since the review
NO_MACHINE = "no-machine-translation"  # no model for the language: nothing to score
EMPTY = "nothing-to-compare"  # neither side has text
# Elements whose text is apart from the text around them (cells, items,
# line breaks); other elements (links, emphasis) are part of their words.
SEPARATE = {"address", "blockquote", "br", "caption", "dd", "div", "dl", "dt", "figcaption", "figure",
            "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "table", "tbody", "td",
            "tfoot", "th", "thead", "tr", "ul"}


@dataclass(frozen=True)
class Segment:
    """One aligned piece: the machine translation and the reviewed text of it."""

    id: str  # "title", "summary", "point-N", "block-N" (N from 1), "points", "body"
    machine: str
    reviewed: str


@dataclass(frozen=True)
class Aligned:
    draft: Draft
    segments: list[Segment]
    body_alignment: str  # "blocks" or "body"
    points_alignment: str  # "points", "all-points" or "none"
    machine_blocks: int
    reviewed_blocks: int


@dataclass(frozen=True)
class Block:
    """One top-level block of a body: its HTML as the pipeline wrote it,
    its text (whitespace collapsed) and its place among the body's elements
    (MachineUnit.block; None for loose text between them)."""

    html: str
    text: str
    index: int | None


def top_level_blocks(fragment: str) -> list[Block]:
    """Every top-level block of a body's HTML, empty ones (a rule, an image)
    included; loose text only where there is some."""
    root = lxml_html.fragment_fromstring(fragment or "", create_parent="div")
    blocks = [Block(escape(root.text), _collapse(root.text), None)] if _collapse(root.text or "") else []
    for index, child in enumerate(root):
        blocks.append(Block(lxml_html.tostring(child, encoding="unicode", with_tail=False).strip(),
                            _collapse(_text(child)), index))
        if _collapse(child.tail or ""):
            blocks.append(Block(escape(child.tail), _collapse(child.tail), None))
    return blocks


def block_texts(fragment: str) -> list[str]:
    """The text of each top-level block of a body's HTML (empty ones left out)."""
    root = lxml_html.fragment_fromstring(fragment or "", create_parent="div")
    texts = [root.text or ""] + [_text(child) + (child.tail or "") for child in root]
    return [text for text in map(_collapse, texts) if text]


def _text(element) -> str:
    if not isinstance(element.tag, str):
        return ""  # a comment
    gap = " " if element.tag in SEPARATE else ""
    inner = "".join(_text(child) + (child.tail or "") for child in element)
    return f"{gap}{element.text or ''}{inner}{gap}"


def _collapse(text: str) -> str:
    return " ".join(text.split())


def align(draft: Draft) -> Aligned:
    """The segments of a reviewed draft (draft.reviewed must be set)."""
    reviewed = draft.reviewed
    assert reviewed is not None
    segments = [Segment("title", _collapse(plain(draft.targets("title")[0])) if draft.targets("title") else "",
                        _collapse(reviewed.title))]
    if draft.targets("summary") and reviewed.summary:
        segments.append(Segment("summary", _collapse(plain(draft.targets("summary")[0])),
                                _collapse(reviewed.summary)))
    points = [_collapse(plain(point)) for point in draft.targets("point-")]
    reviewed_points = [_collapse(point) for point in reviewed.key_points]
    point_segments, by_point = paired(points, reviewed_points, "point", "points")
    points_alignment = "points" if by_point else "all-points"
    if not points and not reviewed_points:
        points_alignment = "none"
    machine, mine = block_texts(draft.machine_html), block_texts(reviewed.html)
    body_segments, by_block = paired(machine, mine, "block", "body")
    body_alignment = "blocks" if by_block else "body"
    segments += point_segments + body_segments
    segments = [segment for segment in segments if segment.machine or segment.reviewed]
    return Aligned(draft, segments, body_alignment, points_alignment, len(machine), len(mine))


def paired(machine: list[str], reviewed: list[str], each: str, whole: str) -> tuple[list[Segment], bool]:
    """One segment per item (`each`-N) where the counts agree, else one for
    all of them (`whole`, joined by spaces); and whether they agreed.
    The review pages pair HTML blocks with it the same way."""
    if len(machine) == len(reviewed):
        return [Segment(f"{each}-{n}", m, r) for n, (m, r) in enumerate(zip(machine, reviewed), 1)], True
    return [Segment(whole, " ".join(machine), " ".join(reviewed))], False


def char_edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings, in characters (insertions,
    deletions and substitutions of one character each)."""
    if len(a) > len(b):
        a, b = b, a  # one row per character of the shorter one
    if not a:
        return len(b)
    codes = np.fromiter(map(ord, b), dtype=np.int64, count=len(b))
    columns = np.arange(len(b) + 1, dtype=np.int64)
    previous = columns.copy()
    for row, char in enumerate(a, 1):
        current = np.empty_like(previous)
        current[0] = row
        current[1:] = np.minimum(previous[1:] + 1, previous[:-1] + (codes != ord(char)))
        # Insertions chain along the row: current[j] = min over k <= j of
        # current[k] + (j - k), i.e. a running minimum of current - j, plus j.
        previous = np.minimum.accumulate(current - columns) + columns
    return int(previous[-1])


class Scorer:
    """chrF++, TER and the post-edit distances of lists of segments. TER
    (with its shifts) is slow on long segments: each segment's TER
    statistics are computed once and summed as sacrebleu's corpus TER sums
    them (total edits / total reference words), for a briefing and for the
    whole model alike. chrF++ is cheap: sacrebleu scores each list itself."""

    def __init__(self) -> None:
        self.ter = TER()
        self.signatures: dict[str, str] = {}
        self._ter_stats: dict[tuple[str, str], tuple[float, float]] = {}

    def scores(self, segments: list[Segment]) -> dict[str, Any]:
        machine, reviewed = [s.machine for s in segments], [s.reviewed for s in segments]
        chrf_metric = CHRF(word_order=2)
        chrf = chrf_metric.corpus_score(machine, [reviewed])
        edits = reference_words = 0.0
        for pair in zip(machine, reviewed):
            if pair not in self._ter_stats:
                score = self.ter.sentence_score(pair[0], [pair[1]])
                self._ter_stats[pair] = (score.num_edits, score.ref_length)
            edits, reference_words = edits + self._ter_stats[pair][0], reference_words + self._ter_stats[pair][1]
        # A metric has a signature once it has scored something.
        self.signatures.update(chrf_pp=chrf_metric.get_signature().format(),
                               ter=self.ter.get_signature().format())
        chars = sum(char_edit_distance(m, r) for m, r in zip(machine, reviewed))
        reference_chars = sum(len(r) for r in reviewed)
        return {
            "chrf_pp": round(chrf.score, 4),
            "ter": round(100 * _ratio(edits, reference_words), 4),
            "ter_word_edits": int(edits),
            "reference_words": int(reference_words),
            "char_edit_distance": chars,
            "reference_chars": reference_chars,
            "char_edit_ratio": round(_ratio(chars, reference_chars), 6),
        }


def _ratio(edits: float, length: float) -> float:
    # sacrebleu's TER of an empty reference: 1 if anything was edited, else 0.
    return edits / length if length > 0 else float(edits > 0)


def report(drafts: list[Draft], base: Path | None = None) -> dict[str, Any]:
    """The report (mt-report.json) of these drafts: every reviewed draft
    scored, or listed under "skipped" with the reason. Paths are given
    relative to `base` (the project) when they are inside it."""
    groups: dict[tuple[str, str, str, str], list[Aligned]] = {}
    skipped = []
    for draft in drafts:
        if draft.reviewed is None:
            continue  # nothing to measure against
        reason = OUTDATED if draft.reviewed.outdated else NO_MACHINE if not draft.units else ""
        aligned = align(draft) if not reason else None
        if aligned is not None and not aligned.segments:
            reason = EMPTY
        if reason:
            skipped.append({"slug": draft.slug, "lang": draft.lang, "path": _shown(draft.reviewed.path, base),
                            "reason": reason})
            continue
        key = (draft.source_lang, draft.lang, draft.engine, draft.identity)
        groups.setdefault(key, []).append(aligned)
    models = [_group(key, members, base) for key, members in sorted(groups.items())]
    return {
        "tool": f"mirsad mt-report (sacrebleu {sacrebleu.__version__})",
        "metrics": {
            "chrf_pp": "chrF++: sacrebleu CHRF(word_order=2), 0-100, higher is closer to the reviewed text",
            "ter": "TER: sacrebleu TER, 100 x word edits / reference words, lower is closer",
            "ter_word_edits": "post-edit distance in words: TER's edits (insertions, deletions, "
                              "substitutions, shifts) from the machine translation to the reviewed text",
            "char_edit_distance": "post-edit distance in characters: Levenshtein distance between the "
                                  "machine translation and the reviewed text (whitespace collapsed)",
            "char_edit_ratio": "char_edit_distance / reference_chars",
        },
        "signatures": models[0]["signatures"] if models else {},
        "models": models,
        "skipped": skipped,
        "totals": {"models": len(models), "briefings": sum(m["briefings"] for m in models),
                   "segments": sum(m["segments"] for m in models), "skipped": len(skipped)},
    }


def _shown(path: str, base: Path | None) -> str:
    if base is not None and Path(path).resolve().is_relative_to(base.resolve()):
        return Path(path).resolve().relative_to(base.resolve()).as_posix()
    return path


def _group(key: tuple[str, str, str, str], members: list[Aligned], base: Path | None) -> dict[str, Any]:
    source, target, engine, identity = key
    every = [segment for aligned in members for segment in aligned.segments]
    scorer = Scorer()
    return {
        "pair": f"{source}-{target}", "source_lang": source, "target_lang": target,
        "engine": engine, "identity": identity,
        "briefings": len(members), "segments": len(every),
        "overall": scorer.scores(every),
        "per_briefing": [_briefing(aligned, base, scorer) for aligned in sorted(members, key=lambda a: a.draft.slug)],
        "signatures": scorer.signatures,
    }


def _briefing(aligned: Aligned, base: Path | None, scorer: Scorer) -> dict[str, Any]:
    draft = aligned.draft
    assert draft.reviewed is not None
    return {
        "slug": draft.slug, "title": draft.reviewed.title, "source_title": draft.source_title,
        "reviewed_path": _shown(draft.reviewed.path, base), "translator": draft.reviewed.translator,
        "segments": len(aligned.segments), "body_alignment": aligned.body_alignment,
        "points_alignment": aligned.points_alignment,
        "blocks": {"machine": aligned.machine_blocks, "reviewed": aligned.reviewed_blocks},
        "scores": scorer.scores(aligned.segments),
    }
