"""sitemap.xml listing every page with its hreflang alternates."""

from __future__ import annotations

import os
from xml.etree import ElementTree as ET

from .site import Alternate, Site, is_placeholder

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"


def write_sitemap(site: Site, output_path: str, siteurl: str) -> str:
    ET.register_namespace("", SITEMAP_NS)
    ET.register_namespace("xhtml", XHTML_NS)
    urlset = ET.Element(f"{{{SITEMAP_NS}}}urlset")
    for briefing in site.briefings:
        for article in briefing.versions.values():
            if is_placeholder(article):
                continue  # not content in its language
            lastmod = getattr(article, "modified", None) or article.date
            _add(urlset, siteurl, article.url, article.alternates, briefing.original.url,
                 lastmod.date().isoformat())
    for listing in site.listings:
        if listing.kind == "index":
            default = site.home(site.config.source.code)
            _add(urlset, siteurl, listing.save_as, listing.alternates, default)
    save_as = site.config.options["sitemap_save_as"]
    ET.indent(urlset)
    ET.ElementTree(urlset).write(
        os.path.join(output_path, save_as), encoding="utf-8", xml_declaration=True
    )
    return save_as


def _add(urlset, siteurl: str, url: str, alternates: list[Alternate], default: str,
         lastmod: str | None = None) -> None:
    entry = ET.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
    ET.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = f"{siteurl}/{url}"
    if lastmod:
        ET.SubElement(entry, f"{{{SITEMAP_NS}}}lastmod").text = lastmod
    links = [(a.language.code, a.url) for a in alternates if a.hreflang] + [("x-default", default)]
    for hreflang, href in links:
        ET.SubElement(entry, f"{{{XHTML_NS}}}link", rel="alternate",
                      hreflang=hreflang, href=f"{siteurl}/{href}")
