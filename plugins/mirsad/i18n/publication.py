"""What a build publishes: drafts, hidden briefings and scheduled ones.

- `status: draft`: built (pages, translations, PDFs) into the preview folder
  (`preview_path`, beside the output), published nowhere;
- `status: hidden`: published at its address, never listed, fed, indexed
  (noindex) or in the sitemap;
- a `date` later than the build's clock (WITH_FUTURE_DATES = False, the
  project's setting): held like a draft until a build runs at or after it.

The build's clock is the time the build runs, or `MIRSAD_NOW` (an ISO 8601
date and time, in the site's TIMEZONE unless it names its own; environment
variable first, then setting), so that a build can be run as of a given time.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any
from zoneinfo import ZoneInfo

from pelican.utils import order_content

from mirsad.common import report, stages
from mirsad.common.lifetime import TARGET_VARIABLE
from mirsad.common.settings import SettingsError

PUBLISHED, HIDDEN, DRAFT, SCHEDULED = "published", "hidden", "draft", "scheduled"
CLOCK = "MIRSAD_NOW"


def build_clock(settings: dict[str, Any]) -> dt.datetime:
    """The time this build publishes as of (aware, in the site's TIMEZONE)."""
    zone = ZoneInfo(settings.get("TIMEZONE") or "UTC")
    given = os.environ.get(CLOCK) or settings.get(CLOCK)
    if not given:
        return dt.datetime.now(zone)
    try:
        moment = given if isinstance(given, dt.datetime) else dt.datetime.fromisoformat(str(given).strip())
    except ValueError:
        raise SettingsError(f"{CLOCK}={given!r} is not a date and time: write it as ISO 8601, "
                            "e.g. 2017-01-25T10:00 (in TIMEZONE) or 2017-01-25T08:00+00:00") from None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def publication(article: Any, clock: dt.datetime, scheduling: bool) -> str:
    """PUBLISHED, HIDDEN, DRAFT or SCHEDULED, from the front matter's
    `status` and `date` (not Pelican's status, which WITH_FUTURE_DATES set
    by its own clock)."""
    status = str(article.metadata.get("status") or PUBLISHED).lower()
    if status == DRAFT:
        return DRAFT
    if scheduling and article.date > clock:
        return SCHEDULED
    return HIDDEN if status == HIDDEN else PUBLISHED


def sort_by_publication(generator) -> None:
    """File every briefing the articles generator read in Pelican's lists
    by its publication: `articles` (published), `hidden_articles`,
    `drafts` (drafts and scheduled briefings, held). Each article gets
    `publication`; translations follow their original."""
    settings = generator.settings
    clock = build_clock(settings)
    scheduling = not settings.get("WITH_FUTURE_DATES", True)
    lists = {PUBLISHED: [], HIDDEN: [], DRAFT: [], SCHEDULED: []}
    for article in every_original(generator):
        article.publication = publication(article, clock, scheduling)
        article.status = {PUBLISHED: "published", HIDDEN: "hidden"}.get(article.publication, "draft")
        lists[article.publication].append(article)
    order = settings["ARTICLE_ORDER_BY"]
    held = lists[DRAFT] + lists[SCHEDULED]
    # In place: the lists may already be shared (the context's "articles" is the same list).
    for name, translations, originals in (("articles", "translations", lists[PUBLISHED]),
                                          ("hidden_articles", "hidden_translations", lists[HIDDEN]),
                                          ("drafts", "drafts_translations", held)):
        getattr(generator, name)[:] = order_content(originals, order)
        getattr(generator, translations)[:] = [t for a in originals for t in a.translations]
    _report(settings, lists, clock)


def add_translation(generator, original: Any, translation: Any) -> None:
    """Attach a translation (reviewed or machine) to its original, and file it
    where Pelican writes the original's pages: published and hidden ones
    into the output; a held one's are written to the preview folder by
    mirsad.i18n, so it goes in no list of Pelican's."""
    translation.publication = getattr(original, "publication", PUBLISHED)
    original.translations.append(translation)
    if translation.publication == PUBLISHED:
        generator.translations.append(translation)
    elif translation.publication == HIDDEN:
        generator.hidden_translations.append(translation)


def every_original(generator) -> list[Any]:
    """Every briefing the build reads, published or not."""
    return [*generator.articles, *generator.hidden_articles, *generator.drafts]


def take_held(generator) -> None:
    """Pelican writes its drafts into the output (DRAFT_SAVE_AS); Mirsad
    writes held briefings into the preview folder instead (generator.py)."""
    generator.drafts[:] = []
    generator.drafts_translations[:] = []


def preview_path(settings: dict[str, Any]) -> str:
    """Where held briefings are built: MIRSAD_I18N['preview_path'], else the
    output folder's sibling `<output>.drafts`. Every build empties it, so it
    may hold neither the output (published) nor the content."""
    configured = (settings.get("MIRSAD_I18N") or {}).get("preview_path")
    output = os.path.abspath(settings["OUTPUT_PATH"])
    path = os.path.abspath(configured) if configured else output.rstrip(os.sep) + ".drafts"
    for name, folder in (("the output, which is published", output),
                         ("the content, which each build would delete", os.path.abspath(settings["PATH"]))):
        if _within(path, folder) or _within(folder, path):
            raise SettingsError(f"MIRSAD_I18N['preview_path'] ({path}) holds or is inside {name} ({folder}): "
                                "choose a folder of its own beside the output, e.g. output.drafts")
    return path


def shown_preview_path(settings: dict[str, Any]) -> str:
    """The preview folder as the editor finds it once the build is over:
    `invoke build` writes into a staging folder swapped in at the end, and
    names the folder it replaces."""
    target = os.environ.get(TARGET_VARIABLE)
    if target and not (settings.get("MIRSAD_I18N") or {}).get("preview_path"):
        return target.rstrip(os.sep) + ".drafts"
    return preview_path(settings)


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _report(settings: dict[str, Any], lists: dict[str, list], clock: dt.datetime) -> None:
    section = "Publication"
    where = shown_preview_path(settings)
    for article in lists[DRAFT]:
        report.add(settings, section, f"DRAFT {article.source_path}: not published; preview in {where}")
    for article in lists[HIDDEN]:
        report.add(settings, section, f"HIDDEN {article.source_path}: at its address only ({article.url})")
    scheduled = sorted(lists[SCHEDULED], key=lambda a: a.date)
    if scheduled:
        first = scheduled[0]
        stages.note(settings, "next_publication", first.date.isoformat())
        report.add(settings, section, f"{len(scheduled)} scheduled; the next goes out at "
                   f"{first.date.isoformat(' ', 'minutes')} ({first.source_path}), the first build "
                   f"from then on (clock: {clock.isoformat(' ', 'minutes')})")
        for article in scheduled:
            report.add(settings, section, f"SCHEDULED {article.source_path}: "
                       f"{article.date.isoformat(' ', 'minutes')}; preview in {where}")
