"""The digest: per language, one PDF of the latest briefings (or a date range),
with a cover, a table of contents and one page-numbered section per briefing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .config import PdfConfig


@dataclass(frozen=True)
class Digest:
    lang: str
    articles: list[Any]  # newest first
    save_as: str

    @property
    def first(self) -> Any:
        return self.articles[-1].date

    @property
    def last(self) -> Any:
        return self.articles[0].date


def select(site: Any, lang: str, config: PdfConfig) -> Digest | None:
    """The briefings of `lang` in the configured range, newest first, at most
    `digest_latest` of them; None when there are none."""
    articles = [
        article for article in site.articles_in(lang)
        if (config.since is None or article.date.date() >= config.since)
        and (config.until is None or article.date.date() <= config.until)
    ]
    if config["digest_latest"]:
        articles = articles[: config["digest_latest"]]
    if not articles:
        return None
    # {since} and {until} name a ranged digest's file; an open end is named
    # after the briefing at that end.
    since = config.since or articles[-1].date.date()
    until = config.until or articles[0].date.date()
    return Digest(lang, articles, config["digest_save_as"].format(
        lang=lang, since=since.isoformat(), until=until.isoformat()))
