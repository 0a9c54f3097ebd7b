"""Pages are rendered on every core, but a plugin listening to Pelican's
`content_written` sees every page, in the build's own process, with the
context Pelican gives it: tried with a real plugin from PyPI, pelican-touch
(it sets each page's modification time from its context's dates)."""
from __future__ import annotations

import datetime as dt
import logging
import os

from pelican import signals


def install_test_models(models) -> None:
    """The repo's tiny ar→en and en→fr packages: every language has briefings to list."""
    import shutil

    from pelican.settings import read_settings

    from conftest import ROOT
    from mirsad.tasks.models import install_for_site

    archives = models.parent / "archives"
    archives.mkdir()
    for pair in ("ar_en", "en_fr"):
        shutil.copy(ROOT / "tests" / "fixtures" / "models" / f"translate-{pair}-test-1.0.argosmodel", archives)
    install_for_site(read_settings(str(ROOT / "pelicanconf.py"), override={"MIRSAD_MT": {"models_dir": str(models)}}),
                     archives)


def test_a_third_party_plugin_sees_every_page_in_the_build_process(site, tmp_path, caplog):
    install_test_models(tmp_path / "models")
    for number in range(1, 9):
        site.briefing(f"b{number}", f"موجز رقم {number}", date=f"2017-01-{number + 10:02d} 10:00")
    seen: list[tuple[str, int]] = []

    def collect(path, context=None):
        seen.append((path, os.getpid()))

    signals.content_written.connect(collect)
    try:
        with caplog.at_level(logging.INFO, logger="pelican.plugins.touch"):
            built = site.build(PLUGINS=["mirsad", "pelican.plugins.touch"], MIRSAD_JOBS="2",
                               MIRSAD_PDF={"briefings": False, "digest": False},
                               MIRSAD_MT={"models_dir": str(tmp_path / "models"), "memory": str(tmp_path / "tm.sqlite")})
    finally:
        from pelican.plugins.touch import touch

        # Signals are global: the plugin must not act in the builds of later tests.
        signals.content_written.disconnect(collect)
        signals.content_written.disconnect(touch.touch_file)
        signals.feed_written.disconnect(touch.touch_feed)
    pages = {str(path) for path in built.html_files()}
    collected = {path for path, _ in seen}
    assert pages <= collected, sorted(pages - collected)[:5]
    assert {pid for _, pid in seen} == {os.getpid()}
    assert len(seen) == len(collected), "a page was announced twice"
    touched = {record.args[0] for record in caplog.records if record.name.startswith("pelican.plugins.touch")}
    article = built.output / "ar" / "briefings" / "b3.html"
    assert str(article) in touched
    assert dt.datetime.fromtimestamp(article.stat().st_mtime) == dt.datetime(2017, 1, 13, 10, 0)
