"""`invoke review-site`: the review pages, one per briefing and target
language, and their index, built into a folder of their own (never the
site's output: they are not in the bundle, the sitemap or the feeds).

A page pairs the original's top-level blocks with the translation's (the
reviewed one when there is one, else the machine translation), the way
mt-report pairs them (quality.paired); the sentences the engine was least
sure of are marked, the glossary terms it enforced listed; when the
reviewed translation is out of date, the original as it was reviewed
(translations/.sources) is compared with the original as it is now,
paragraph by paragraph, both rendered by the site's own reader.
"""

from __future__ import annotations

import difflib
import logging
import shutil
from html import escape
from pathlib import Path

from mirsad.build.api import project_lock, replace_dir, staging_folder
from mirsad.common.output_folders import mark
from mirsad.markdown.api import BriefingError, body_html, split
from mirsad.mt.api import MachineUnit, load_config

from . import review_site_page as rendering
from .commands import Project, ReviewError, machine_drafts, plain
from .drafts import Draft
from .quality import Block, paired, top_level_blocks
from .review_page import DRAFT, MACHINE, OUTDATED, REVIEWED, Change, ReviewPage, Row
from .sources import snapshot_path

logger = logging.getLogger(__name__)


def build_review_site(project: Project, output: Path, drafts: list[Draft] | None = None) -> list[ReviewPage]:
    """Build the review pages of `drafts` (default: from a build of the
    project, machine_drafts) into `output`, which is replaced whole at the
    end: a failure leaves the previous folder as it was."""
    pages = review_pages(machine_drafts(project) if drafts is None else drafts, project)
    with project_lock(project.lock_file):
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            staging = staging_folder(output, "review-")
        except OSError as error:
            raise ReviewError(f"cannot write the review pages beside {output}: {error.strerror or error}; "
                              "give another --output folder") from None
        try:
            (staging / "index.html").write_text(rendering.render_index(pages), encoding="utf-8")
            for page in pages:
                (staging / page.file_name).write_text(rendering.render_page(page), encoding="utf-8")
            mark(staging)
            replace_dir(staging, output)
        except OSError as error:
            shutil.rmtree(staging, ignore_errors=True)
            raise ReviewError(f"cannot write the review pages into {output}: {error.strerror or error}; "
                              f"{output} is left as it was") from None
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return pages


def review_pages(drafts: list[Draft], project: Project) -> list[ReviewPage]:
    threshold = load_config(project.settings).low_confidence
    return [review_page(draft, project, threshold) for draft in drafts]


def review_page(draft: Draft, project: Project, threshold: float) -> ReviewPage:
    reviewed = draft.reviewed
    status = (OUTDATED if reviewed and reviewed.outdated else REVIEWED if reviewed
              else DRAFT if (project.translations / f"{draft.slug}.{draft.lang}.md").exists() else MACHINE)
    low = [unit for unit in draft.units if _is_low(unit, threshold)]
    changes, note = (_source_diff(draft, project) if status == OUTDATED else (None, ""))
    base = project.content.parent
    return ReviewPage(draft, status, threshold, low, _rows(draft, threshold), changes, note,
                      _shown(draft.source_path, base), _shown(reviewed.path, base) if reviewed else "")


def _shown(path: str, base: Path) -> str:
    resolved = Path(path).resolve()
    return resolved.relative_to(base.resolve()).as_posix() if resolved.is_relative_to(base.resolve()) else path


def _is_low(unit: MachineUnit, threshold: float) -> bool:
    return unit.confidence is not None and unit.confidence < threshold


def _rows(draft: Draft, threshold: float) -> list[Row]:
    title = draft.unit("title")
    source_title = escape(draft.source_title)
    if title is not None and _is_low(title, threshold):
        source_title = _mark(source_title, title)
    if draft.reviewed:
        translated_title = escape(draft.reviewed.title)
    else:
        translated_title = escape(plain(title.target)) if title else ""
        if title is not None and _is_low(title, threshold):
            translated_title = _mark(translated_title, title)
    rows = [Row("Title", source_title, translated_title, list(title.terms) if title else [])]
    rows += _text_rows(draft, threshold)
    body_units = [unit for unit in draft.units if unit.block is not None]
    sources = top_level_blocks(draft.source_html)
    source_html, unmarked = _marked_blocks(sources, body_units, threshold, "source")
    if draft.reviewed:
        translation_html = [block.html for block in top_level_blocks(draft.reviewed.html)]
    else:
        translation_html, unmarked_targets = _marked_blocks(top_level_blocks(draft.machine_html), body_units,
                                                            threshold, "target")
        unmarked = [unit for unit in unmarked if unit in unmarked_targets]
    segments, by_block = paired(source_html, translation_html, "block", "body")
    for number, segment in enumerate(segments, 1):
        index = sources[number - 1].index if by_block else None
        units = [unit for unit in body_units if not by_block or unit.block == index]
        rows.append(Row(f"Block {number}" if by_block else "Body", segment.machine, segment.reviewed,
                        _terms(units), [unit for unit in unmarked if unit in units]))
    return rows


def _text_rows(draft: Draft, threshold: float) -> list[Row]:
    """The summary and the key points, when the original has them: the
    machine translation's units (their source is the pipeline's HTML)
    beside the reviewed text or the machine translation."""
    reviewed = draft.reviewed
    pairs = [("Summary", draft.unit("summary"), reviewed.summary if reviewed else None)]
    points = [unit for unit in draft.units if unit.id.startswith("point-")]
    for number, unit in enumerate(points, 1):
        mine = reviewed.key_points if reviewed else []
        pairs.append((f"Key point {number}", unit, (mine[number - 1] if number <= len(mine) else "") if reviewed
                      else None))
    rows = []
    for label, unit, text in pairs:
        if unit is None:
            continue
        low = _is_low(unit, threshold)
        source = _mark(unit.source, unit) if low else unit.source
        if text is None:
            translation = _mark(escape(plain(unit.target)), unit) if low else escape(plain(unit.target))
        else:
            translation = escape(text)
        rows.append(Row(label, source, translation, list(unit.terms)))
    return rows


def _terms(units: list[MachineUnit]) -> list[tuple[str, str]]:
    return list(dict.fromkeys(term for unit in units for term in unit.terms))


def _marked_blocks(blocks: list[Block], units: list[MachineUnit], threshold: float,
                   side: str) -> tuple[list[str], list[MachineUnit]]:
    """Each block's HTML with its low-confidence segments (their `side`:
    "source" or "target") in <mark>s, and the low-confidence units whose
    HTML could not be found in their block (listed beside it instead)."""
    marked, missing = [], []
    for block in blocks:
        html, cursor = block.html, 0
        for unit in (u for u in units if u.block == block.index and block.index is not None):
            text = getattr(unit, side)
            at = html.find(text, cursor) if text else -1
            if at < 0:
                missing += [unit] if _is_low(unit, threshold) else []
                continue
            if _is_low(unit, threshold):
                wrapped = _mark(text, unit)
                html = html[:at] + wrapped + html[at + len(text):]
                cursor = at + len(wrapped)
            else:
                cursor = at + len(text)
        marked.append(html)
    missing += [u for u in units if _is_low(u, threshold) and u.block not in {b.index for b in blocks}]
    return marked, missing


def _mark(html: str, unit: MachineUnit) -> str:
    flagged = f" — flagged: {'; '.join(unit.flags)}" if unit.flags else ""
    return f'<mark title="{escape(f"confidence {unit.confidence:.2f}{flagged}")}">{html}</mark>'


def _source_diff(draft: Draft, project: Project) -> tuple[list[Change] | None, str]:
    """The original as reviewed against the original now, by top-level block."""
    assert draft.reviewed is not None
    digest = draft.reviewed.source_hash
    if not digest:
        return None, (f"{_shown(draft.reviewed.path, project.content.parent)} records no source_hash: there is no copy of the original as it "
                      "was reviewed, so what changed cannot be shown.")
    kept = snapshot_path(project.translations, draft.slug, digest)
    if not kept.exists():
        return None, (f"No snapshot of the original at review time "
                      f"({_shown(str(kept), project.content.parent)} is missing): what changed cannot be "
                      "shown. Compare with the original in version control, then `invoke stamp` the translation.")
    try:
        old_title = str(split(kept.read_text(encoding="utf-8"), str(kept)).fields.get("title", ""))
        old, new = body_html(str(kept), project.settings), body_html(draft.source_path, project.settings)
    except (BriefingError, OSError, UnicodeDecodeError) as error:
        return None, f"The snapshot {kept} cannot be read ({error}): what changed cannot be shown."
    changes = []
    if old_title != draft.source_title:
        changes += [Change("removed", f"<h1>{escape(old_title)}</h1>"),
                    Change("added", f"<h1>{escape(draft.source_title)}</h1>")]
    return changes + diff_blocks(top_level_blocks(old), top_level_blocks(new)), ""


def diff_blocks(old: list[Block], new: list[Block]) -> list[Change]:
    """Paragraph-level diff: blocks compared by their text; a changed block
    is the old one removed and the new one added."""
    matcher = difflib.SequenceMatcher(None, [b.text for b in old], [b.text for b in new], autojunk=False)
    changes = []
    for tag, old_from, old_to, new_from, new_to in matcher.get_opcodes():
        if tag == "equal":
            changes += [Change("same", block.html) for block in new[new_from:new_to]]
            continue
        changes += [Change("removed", block.html) for block in old[old_from:old_to]]
        changes += [Change("added", block.html) for block in new[new_from:new_to]]
    return changes
