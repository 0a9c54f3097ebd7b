"""Briefings read are kept between builds (plugins/mirsad/markdown/cache.py):
a build that reads a briefing from the cache gives the page, the warnings
and the errors a build that parses it gives; a damaged cache only costs time.
Also the page digests that decide which pages a build keeps
(plugins/mirsad/build/digest.py): the same values, the same digest."""

from __future__ import annotations

import datetime as dt
import sqlite3

from pelican.contents import Article
from pelican.settings import DEFAULT_CONFIG

from mirsad.build.digest import Digester

CACHE = "briefings-read.sqlite"


def built_twice(site, **overrides):
    from pelican.log import LimitFilter

    first = site.build(**overrides)
    page = (first.output / "ar" / "briefings" / "spoof.html").read_text(encoding="utf-8")
    # Each `invoke build` is a process of its own; Pelican logs a message once per process.
    LimitFilter._raised_messages.clear()
    second = site.build(**overrides)
    return first, page, second


def test_a_briefing_read_from_the_cache_gives_the_same_page_and_warnings(site):
    site.briefing("spoof", "عنوان", body="\u202eالعدد 1234 في سرت\n\nنص عادي.", tags="[سرت]")
    first, page, second = built_twice(site)
    assert (site.root / "cache" / CACHE).is_file()
    assert (second.output / "ar" / "briefings" / "spoof.html").read_text(encoding="utf-8") == page
    bidi = [w for w in first.warnings if "direction controls" in w]
    assert bidi and [w for w in second.warnings if "direction controls" in w] == bidi
    assert first.errors == second.errors == []


def test_an_edit_is_read_again(site):
    path = site.briefing("spoof", "عنوان", body="نص أول.")
    site.build()
    path.write_text(path.read_text(encoding="utf-8").replace("نص أول", "نص ثان"), encoding="utf-8")
    built = site.build()
    assert "نص ثان" in (built.output / "ar" / "briefings" / "spoof.html").read_text(encoding="utf-8")


def test_a_bad_briefing_is_refused_on_every_build(site):
    site.briefing("spoof", "عنوان")
    site.write("briefings/bad.md", "---\ntitle: [unclosed\n---\n\nنص.\n")
    first, _, second = built_twice(site)
    assert any("bad.md" in error for error in first.errors)
    assert first.errors == second.errors


def test_a_damaged_cache_is_started_anew(site):
    site.briefing("spoof", "عنوان", body="نص.")
    site.build()
    (site.root / "cache" / CACHE).write_bytes(b"not a database" * 100)
    built = site.build()
    assert built.errors == []
    assert "نص" in (built.output / "ar" / "briefings" / "spoof.html").read_text(encoding="utf-8")
    with sqlite3.connect(site.root / "cache" / CACHE) as db:
        assert db.execute("SELECT count(*) FROM reads").fetchone()[0] == 1


def article(title: str, lang: str = "ar", **metadata) -> Article:
    settings = {**DEFAULT_CONFIG, "DEFAULT_LANG": "ar"}
    return Article("<p>نص</p>", metadata={"title": title, "lang": lang, "slug": "s", "date": dt.datetime(2017, 1, 25),
                                          **metadata}, settings=settings, source_path=f"/c/{title}.{lang}.md")


def test_a_digest_does_not_depend_on_the_order_values_are_met():
    def pair():
        original, translation = article("أصل"), article("copy", "en")
        shared = {"box": ["point one", "point two"], "names": ("Sirte",)}
        original.translations, translation.translations = [translation], [original]
        original.extra = translation.extra = shared
        return original, translation

    one, two = pair(), pair()
    forward, backward = Digester(), Digester()
    first = [forward.of(one[0]), forward.of(one[1]), forward.of([one[0], one[1]])]
    listing = backward.of([two[0], two[1]])
    assert [backward.of(two[0]), backward.of(two[1]), listing] == first


def test_a_digest_changes_with_what_a_page_shows():
    original, translation = article("أصل"), article("copy", "en")
    original.translations = [translation]
    before = Digester().of(original)
    translation.title = "another"  # a translation's title, shown in the switcher or a listing
    assert Digester().of(original) != before
    assert Digester().of(article("أصل")) != Digester().of(article("أصل", summary_text="x"))
