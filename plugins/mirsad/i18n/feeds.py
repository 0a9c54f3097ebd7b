"""One Atom feed per language (Pelican's own feeds know a single language)."""

from __future__ import annotations

import datetime as dt
import html
import os

from feedgenerator import Atom1Feed, get_tag_uri

from .site import Site, is_unreviewed


class _Feed(Atom1Feed):
    """An empty feed (a language with no briefing yet) is dated by the
    site's newest briefing, not by the clock: the same site gives the same
    file (reproducible bundles)."""

    site_updated: dt.datetime = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)

    def latest_post_date(self) -> dt.datetime:
        return super().latest_post_date() if self.items else self.site_updated


def write_feed(site: Site, lang: str, output_path: str, siteurl: str, machine_label: str) -> str:
    """The Atom feed of `lang`; an entry of unreviewed machine translation
    says so in a visible line and in an Atom category (`machine_label`, in
    the feed's language)."""
    config = site.config
    save_as = config.save_as("feed", lang)
    articles = site.articles_in(lang)[: config.options["feed_max_items"]]
    feed = _Feed(
        title=config.site_names[lang],
        link=f"{siteurl}/{site.home(lang)}",
        feed_url=f"{siteurl}/{save_as}",
        description="",
        language=lang,
        feed_guid=f"{siteurl}/{save_as}",
    )
    everywhere = [article.date for code in config.codes for article in site.articles_in(code)]
    if everywhere:
        feed.site_updated = max(everywhere)
    for article in articles:
        link = f"{siteurl}/{article.url}"
        mark = f'<p class="machine-label">{html.escape(machine_label)}</p>\n' if is_unreviewed(article) else ""
        feed.add_item(
            title=article.title,
            link=link,
            unique_id=get_tag_uri(link, article.date),
            # Atom's <summary type="html">: the abstract is plain text, so a
            # feed reader must be given it escaped, not read it as markup.
            description=html.escape(article.abstract, quote=False),
            content=mark + article.get_content(siteurl),
            pubdate=article.date,
            updateddate=getattr(article, "modified", None),
            categories=[term.name(lang) for term in article.tag_terms] + ([machine_label] if mark else []),
        )
    path = os.path.join(output_path, save_as)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        feed.write(handle, "utf-8")
    return save_as
