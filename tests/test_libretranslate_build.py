"""Whole builds translated by real LibreTranslate servers
(tests/libretranslate_server.py): the same pages as a build with the same
packages installed locally, a server killed in the middle of a build,
with another server to take its work and without one, and a server whose
answers are not LibreTranslate's (tests/libretranslate_wire.py)."""

from __future__ import annotations

import re
import sqlite3
import threading

import libretranslate_server as lt
import pytest
from conftest import missing_tool
from libretranslate_wire import WireServer, always
from test_machine_translation import (
    ACTIVE,
    CLASHES,
    FRAGILE,
    _report,
    body_text,
    install,
)

from mirsad.mt.engines import libretranslate

BODY = f"""
## {ACTIVE}

{FRAGILE} {CLASHES}

- مصادر ليبية: داعش لا يزال يتحرك بالقرب من سرت
- **{CLASHES}** [الرابط](https://example.org/a)

هذه جملة جديدة تماما لم يرها النموذج من قبل، وفيها أرقام ٣٤ و56 وكلمة NATO.
"""
PAGES = ["en/briefings/one.html", "en/briefings/two.html", "fr/briefings/one.html", "fr/briefings/two.html"]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    if not lt.available():
        missing_tool(f"LibreTranslate's venv {lt.VENV} is missing: run `make setup`")
    yield from lt.guarded_servers(lambda name: lt.Server(tmp_path_factory.mktemp(f"lt-{name}")))


def write_site(site):
    site.briefing("one", FRAGILE, body=BODY, tags="[ليبيا, داعش]")
    site.briefing("two", ACTIVE, body=f"{CLASHES}\n\n{FRAGILE}")


def mt(site, name, **options):
    return {"models_dir": str(site.root / "no-models"), "memory": str(site.root / f"{name}.sqlite"),
            "server_batch_size": 2, **options}


@pytest.fixture
def local_pages(site):
    """The same site built with the packages installed on this machine."""
    write_site(site)
    built = site.build(MIRSAD_MT={"models_dir": str(install(site.root / "models")),
                                  "memory": str(site.root / "local.sqlite")})
    assert not built.errors
    return {path: body_text(built, path) for path in PAGES}


def test_libretranslate_build_equals_the_local_build(site, servers, local_pages):
    built = site.build(MIRSAD_MT=mt(site, "remote", servers=[s.url for s in servers]))
    assert not built.errors
    assert {path: body_text(built, path) for path in PAGES} == local_pages
    provenance = " ".join(built.page("fr/briefings/one.html").find(".//div[@class='provenance provenance--machine']")
                          .text_content().split())
    assert "LibreTranslate 1.9.6 ar→en + LibreTranslate 1.9.6 en→fr" in provenance


def kill_during_translation(monkeypatch, victim: lt.Server, after: float = 1.0,
                            pool=libretranslate.ServerPool) -> list[threading.Timer]:
    """Once the build has asked the servers what they run, `victim` stops
    answering (SIGSTOP: a request to it waits) and is killed `after` seconds
    later, with requests in flight."""
    timers = []
    original = pool.__init__

    def described_then_killed(self, settings):
        original(self, settings)
        victim.pause()
        timers.append(threading.Timer(after, victim.kill))
        timers[-1].start()

    monkeypatch.setattr(pool, "__init__", described_then_killed)
    return timers


def test_libretranslate_server_killed_mid_build_another_takes_over(site, tmp_path, servers, local_pages,
                                                                     monkeypatch):
    victim = lt.Server(tmp_path / "victim")
    try:
        timers = kill_during_translation(monkeypatch, victim)
        built = site.build(MIRSAD_MT=mt(site, "killed", servers=[victim.url, servers[0].url],
                                        server_retries=0, server_timeout=30))
        assert timers and victim.process.returncode is not None  # killed during the build
        assert not built.errors
        assert {path: body_text(built, path) for path in PAGES} == local_pages
        assert any(victim.url in w and "set aside" in w for w in built.warnings)
    finally:
        victim.stop()


def final_rows(memory) -> int:
    with sqlite3.connect(memory) as db:
        return db.execute("SELECT count(*) FROM segments WHERE kind = 'final'").fetchone()[0]


def test_libretranslate_sole_server_killed_fails_a_strict_build(site, tmp_path, monkeypatch):
    from mirsad.mt.plugin import MissingModelError

    if not lt.available():
        missing_tool(f"LibreTranslate's venv {lt.VENV} is missing: run `make setup`")
    write_site(site)
    victim = lt.Server(tmp_path / "victim")
    try:
        kill_during_translation(monkeypatch, victim)
        options = mt(site, "strict", servers=[victim.url], server_retries=0, strict=True)
        with pytest.raises(MissingModelError, match=f"ar→en.*no LibreTranslate server answers.*{victim.url}"):
            site.build(MIRSAD_MT=options)
        assert final_rows(site.root / "strict.sqlite") == 0  # no page's text half-stored
    finally:
        victim.stop()


def test_libretranslate_sole_server_killed_builds_placeholders(site, tmp_path, monkeypatch):
    if not lt.available():
        missing_tool(f"LibreTranslate's venv {lt.VENV} is missing: run `make setup`")
    write_site(site)
    victim = lt.Server(tmp_path / "victim")
    try:
        kill_during_translation(monkeypatch, victim)
        built = site.build(MIRSAD_MT=mt(site, "lenient", servers=[victim.url], server_retries=0))
    finally:
        victim.stop()
    page = built.page("en/briefings/one.html")
    assert page.find(".//div[@class='provenance provenance--missing']") is not None
    assert "MISSING ar→en" in _report(built) and "MISSING ar→en, en→fr" in _report(built)
    assert any("no LibreTranslate server answers" in w for w in built.warnings)
    assert final_rows(site.root / "lenient.sqlite") == 0


def rows_per_pair(memory) -> dict[str, int]:
    with sqlite3.connect(memory) as db:
        return dict(db.execute("SELECT pair, count(*) FROM segments WHERE kind = 'final' GROUP BY pair"))


def translated_counts(built) -> dict[str, int]:
    return {pair: int(count) for pair, count in re.findall(r"^(\S+→\S+): (\d+) segments translated", _report(built),
                                                           re.MULTILINE)}


def test_a_server_answering_no_json_is_a_missing_model_and_the_report_agrees_with_the_memory(site):
    """The report's counts are what the memory holds: none after the
    server failed (the pages say "not available", the build goes on), all
    of them when it answers."""
    write_site(site)
    broken = WireServer(lambda request: (200, b"<html>502 Bad Gateway</html>"))
    try:
        built = site.build(MIRSAD_MT=mt(site, "broken", servers=[broken.url], server_retries=1))
    finally:
        broken.stop()
    assert not built.errors, built.errors
    assert built.page("en/briefings/one.html").find(".//div[@class='provenance provenance--missing']") is not None
    assert "MISSING ar→en" in _report(built) and translated_counts(built) == {}
    assert any("not JSON" in w and broken.url in w for w in built.warnings)
    assert rows_per_pair(site.root / "broken.sqlite") == {}

    answering = WireServer(always("Libya remains fragile."))
    try:
        built = site.build(MIRSAD_MT=mt(site, "answering", servers=[answering.url]))
    finally:
        answering.stop()
    assert not built.errors and "MISSING" not in _report(built)
    assert translated_counts(built) == rows_per_pair(site.root / "answering.sqlite")
    assert set(translated_counts(built)) == {"ar→en", "ar→fr"}
