"""What a build publishes (issue 29, items 1, 2 and 8): drafts, hidden and
scheduled briefings, and the publication address.

Every build here is real, with the repo's test models installed, so each
held briefing has machine translations that could leak. "Nothing leaks" is
checked on every file of the output (HTML, feeds, sitemap, search indexes,
PDF text through pdftotext, the digests) and of the offline bundle made from
it: none holds the briefing's slug, title or text in any language, while the
preview folder holds each of them (so the needles are real).
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT
from test_machine_translation import install
from test_pdf import letters, pdf_text

PUBLISHED = "الوضع الأمني في ليبيا لا يزال هشا."  # The security situation in Libya remains fragile.
PUBLISHED_BODY = "داعش لا يزال نشطا في سرت."
SECRET_TITLE = "نفذت أفريكوم غارة جوية قرب سرت."
SECRET_BODY = "تبقى الطرق الصحراوية خطرة."
SLUG = "embargoed-strike"
# The held briefing in every language: the original, its reviewed English
# translation, and the machine translation into French (through English).
NEEDLES = {
    "ar": [SECRET_TITLE, SECRET_BODY],
    "en": ["Reviewed strike report", "Reviewed text of the strike."],
    "fr": ["L'AFRICOM a mené une frappe aérienne près de Syrte.", "Les routes du désert restent dangereuses."],
}
EVERY_NEEDLE = [SLUG, *(needle for found in NEEDLES.values() for needle in found)]


def make_site(mt_site, **fields):
    install(mt_site.models)
    mt_site.briefing("published", PUBLISHED, body=PUBLISHED_BODY, date="2017-01-25 10:00")
    mt_site.briefing(SLUG, SECRET_TITLE, body=SECRET_BODY, **{"date": "2017-01-26 10:00", **fields})
    mt_site.translation(SLUG, "en", "Reviewed strike report", body="Reviewed text of the strike.",
                        translator='"Salma"', reviewed="2017-01-26")
    return mt_site


def build(site, **settings):
    return site.build(MIRSAD_MT=site.mt, **settings)


def readable(path: Path) -> str:
    """What a reader or a crawler gets from a file: PDF text, else its text
    with HTML/XML entities and JavaScript string escapes undone."""
    if path.suffix == ".pdf":
        return pdf_text(path)
    return html.unescape(path.read_bytes().decode("utf-8", errors="replace")).replace("\\", "")


def files_holding(folder: Path, needles: list[str], skip=lambda path: False) -> dict[str, list[str]]:
    """The files under `folder` (and their names) holding any needle, with the needles found."""
    found = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not skip(p)):
        text = letters(f"{path.relative_to(folder)}\n{readable(path)}")
        hits = [needle for needle in needles if letters(needle) in text]
        if hits:
            found[str(path.relative_to(folder))] = hits
    return found


def bundled(built, tmp_path) -> Path:
    """The offline bundle of the output, unpacked."""
    from mirsad.bundle.api import make_bundle

    made = make_bundle(built.output, tmp_path / "dist", built.settings)
    with zipfile.ZipFile(made.path) as archive:
        archive.extractall(tmp_path / "bundle")
    return tmp_path / "bundle"


def previews(built) -> Path:
    return built.output.with_name(built.output.name + ".drafts")


def assert_held(built, tmp_path):
    """Built into the preview folder in every language, published nowhere."""
    preview = previews(built)
    for lang, needles in NEEDLES.items():
        page = letters(readable(preview / lang / "briefings" / f"{SLUG}.html"))
        pdf = letters(readable(preview / lang / "briefings" / f"{SLUG}.pdf"))
        assert all(letters(n) in page and letters(n) in pdf for n in needles), lang
    assert files_holding(built.output, EVERY_NEEDLE) == {}
    assert files_holding(bundled(built, tmp_path), EVERY_NEEDLE) == {}
    assert_published_everywhere(built, "published")


def assert_published_everywhere(built, slug, title=PUBLISHED):
    for lang in ("ar", "en", "fr"):
        for listing in ("index.html", "archives.html", "feed.atom.xml", "search-index.js"):
            assert f"briefings/{slug}.html" in built.text(f"{lang}/{listing}"), (lang, listing)
        assert (built.output / lang / "briefings" / f"{slug}.pdf").is_file()
    assert f"ar/briefings/{slug}.html" in built.text("sitemap.xml")
    assert letters(title) in letters(pdf_text(built.output / "ar" / "digest.pdf"))


def report(built) -> str:
    from mirsad.common.report import report as sections

    return "\n".join(line for lines in sections(built.settings).values() for line in lines)


# --- drafts ------------------------------------------------------------------


def test_a_draft_is_previewed_in_every_language_and_published_nowhere(mt_site, tmp_path):
    built = build(make_site(mt_site, status="draft"))
    assert built.errors == []
    assert_held(built, tmp_path)
    page = built.output.with_name("output.drafts") / "en" / "briefings" / f"{SLUG}.html"
    assert '<meta name="robots" content="noindex">' in page.read_text(encoding="utf-8")
    assert f"DRAFT {mt_site.content / 'briefings' / SLUG}.md: not published" in report(built)


def test_a_draft_published_later_leaves_the_preview_and_appears_everywhere(mt_site):
    site = make_site(mt_site, status="draft")
    build(site)
    site.briefing(SLUG, SECRET_TITLE, body=SECRET_BODY, date="2017-01-26 10:00")
    built = build(site)
    assert_published_everywhere(built, SLUG, SECRET_TITLE)
    assert "Reviewed strike report" in built.text(f"en/briefings/{SLUG}.html")
    assert not previews(built).exists()


def test_an_unknown_status_is_an_error_naming_the_file_and_line_and_the_others_build(site):
    site.briefing("good", "عنوان")
    path = site.briefing("typo", "خطأ", status="drafts")
    built = site.build()
    assert any(f"{path}:3" in error and "'status: drafts' is not a status" in error for error in built.errors)
    assert (built.output / "ar" / "briefings" / "good.html").is_file()
    assert not list(built.output.rglob("typo*"))


def test_a_new_draft_with_a_published_slug_does_not_take_the_published_one_down(site):
    site.briefing("kept", "منشور")
    site.write("briefings/a-new-draft.md", "---\ntitle: مسودة\ndate: 2017-01-27\nslug: kept\nstatus: draft\n---\nنص.\n")
    built = site.build()
    assert "منشور" in built.text("ar/briefings/kept.html")
    assert any("a-new-draft.md: the slug 'kept' is already used" in error for error in built.errors)


# --- hidden ----------------------------------------------------------------


def test_a_hidden_briefing_is_at_its_address_only(mt_site, tmp_path):
    built = build(make_site(mt_site, status="hidden"))
    assert built.errors == []

    def its_own(path: Path) -> bool:
        return path.parent.name == "briefings" and path.stem == SLUG

    for lang, needles in NEEDLES.items():
        page = readable(built.output / lang / "briefings" / f"{SLUG}.html")
        assert '<meta name="robots" content="noindex">' in page
        assert all(letters(n) in letters(page) for n in needles), lang
        assert (built.output / lang / "briefings" / f"{SLUG}.pdf").is_file()
    assert files_holding(built.output, EVERY_NEEDLE, its_own) == {}
    bundle = bundled(built, tmp_path)
    manifest = (bundle / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert all(its_own(Path(line.split()[-1])) for line in manifest if SLUG in line)  # its files' checksums
    assert files_holding(bundle, EVERY_NEEDLE, lambda path: its_own(path) or path.name == "SHA256SUMS") == {}
    assert not previews(built).exists()
    assert_published_everywhere(built, "published")


# --- scheduled -------------------------------------------------------------


def test_a_scheduled_briefing_is_held_until_the_clock_reaches_it_in_the_sites_timezone(mt_site, tmp_path):
    site = make_site(mt_site, date="2017-02-01 10:00")  # TIMEZONE = "Africa/Tripoli" (UTC+2)
    held = build(site, MIRSAD_NOW="2017-02-01T07:59+00:00")
    assert_held(held, tmp_path)
    assert ("1 scheduled; the next goes out at 2017-02-01 10:00+02:00 "
            f"({site.content / 'briefings' / SLUG}.md)") in report(held)

    out = build(site, MIRSAD_NOW="2017-02-01T10:00")  # the site's time: 08:00 UTC
    assert_published_everywhere(out, SLUG, SECRET_TITLE)
    assert "Reviewed strike report" in out.text(f"en/briefings/{SLUG}.html")
    assert "scheduled" not in report(out)
    assert not previews(out).exists()


def test_the_clock_is_read_from_the_environment_first(mt_site, monkeypatch):
    site = make_site(mt_site, date="2017-02-01 10:00")
    monkeypatch.setenv("MIRSAD_NOW", "2017-02-01 10:00")
    built = build(site, MIRSAD_NOW="2017-01-01T00:00")
    assert (built.output / "ar" / "briefings" / f"{SLUG}.html").is_file()


def test_with_future_dates_a_briefing_is_published_at_once(mt_site):
    site = make_site(mt_site, date="2017-02-01 10:00")
    built = build(site, MIRSAD_NOW="2017-01-01T00:00", WITH_FUTURE_DATES=True)
    assert built.errors == []
    assert_published_everywhere(built, SLUG, SECRET_TITLE)


def test_a_clock_that_is_not_a_date_stops_the_build_naming_the_setting(site):
    site.briefing("b", "عنوان")
    with pytest.raises(Exception, match="MIRSAD_NOW='tomorrow' is not a date and time"):
        site.build(MIRSAD_NOW="tomorrow")


def test_a_preview_folder_inside_the_output_or_holding_the_content_is_refused(site):
    site.briefing("b", "عنوان", status="draft")
    for folder in (site.root / "output" / "drafts", site.root):
        with pytest.raises(Exception, match=r"MIRSAD_I18N\['preview_path'\] .* choose a folder of its own"):
            site.build(MIRSAD_I18N={"preview_path": str(folder)})
    assert (site.content / "briefings" / "b.md").is_file()


# --- the preview folder through invoke build and invoke serve -------------------


def invoke(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("MIRSAD_SITEURL", "MIRSAD_STRICT")}
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env={**base, "MIRSAD_MODELS_DIR": "/nonexistent/mirsad-models", **(env or {})})


def test_invoke_build_puts_drafts_beside_the_output_and_removes_them_once_published(site):
    site.briefing("published", PUBLISHED)
    draft = site.briefing(SLUG, SECRET_TITLE, status="draft")
    output = site.root / "output"
    args = ("build", "--content", str(site.content), "--output", str(output), "--cache", str(site.root / "cache"))
    run = invoke(*args)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (site.root / "output.drafts" / "ar" / "briefings" / f"{SLUG}.html").is_file()
    assert f"preview in {site.root / 'output.drafts'}\n" in run.stdout + run.stderr  # not the staging folder
    assert not list(output.rglob(f"*{SLUG}*"))
    assert sorted(p.name for p in site.root.iterdir()) == [".build.lock", "cache", "content", "output",
                                                           "output.drafts"]
    draft.write_text(draft.read_text(encoding="utf-8").replace("status: draft\n", ""), encoding="utf-8")
    run = invoke(*args)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (output / "ar" / "briefings" / f"{SLUG}.html").is_file()
    assert not (site.root / "output.drafts").exists()


def test_invoke_serve_serves_the_previews_over_the_output(tmp_path):
    import asyncio
    import threading
    import urllib.error
    import urllib.request

    from tornado import httpserver, ioloop, web
    from tornado.testing import bind_unused_port

    from mirsad.tasks.preview import overlay_handler

    output, preview = tmp_path / "output", tmp_path / "output.drafts"
    (output / "ar").mkdir(parents=True)
    (preview / "ar").mkdir(parents=True)
    (output / "ar" / "index.html").write_text("published home")
    (output / "ar" / "page.html").write_text("published page")
    (preview / "ar" / "page.html").write_text("a preview never hides a published file")
    (preview / "ar" / "draft.html").write_text("draft preview")
    (tmp_path / "secret.txt").write_text("outside both")
    started, loop = threading.Event(), {}

    def serve():
        asyncio.set_event_loop(asyncio.new_event_loop())  # this thread's
        loop["io"] = ioloop.IOLoop.current()
        app = web.Application([(r"/(.*)", overlay_handler(preview), {"path": str(output),
                                                                      "default_filename": "index.html"})])
        server = httpserver.HTTPServer(app)
        sock, loop["port"] = bind_unused_port()  # on 127.0.0.1
        server.add_sockets([sock])
        started.set()
        loop["io"].start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    started.wait(10)

    def get(path: str) -> str:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{loop['port']}/{path}", timeout=10) as answer:
                return answer.read().decode()
        except urllib.error.HTTPError as error:
            return str(error.code)

    try:
        assert get("ar/page.html") == "published page"
        assert get("ar/draft.html") == "draft preview"
        assert get("ar/") == "published home"
        assert get("ar/missing.html") == "404"
        assert get("..%2Fsecret.txt") in ("403", "404")
    finally:
        loop["io"].add_callback(loop["io"].stop)
        thread.join(10)


# --- the publication address -------------------------------------------------


@pytest.mark.parametrize("address", [None, "https://briefings.example.org", "http://localhost:8000"])
def test_a_publish_build_without_a_publication_address_stops_before_building(site, address):
    site.briefing("published", PUBLISHED)
    output = site.root / "output"
    run = invoke("build", "--publish", "--content", str(site.content), "--output", str(output),
                 "--cache", str(site.root / "cache"), env={"MIRSAD_SITEURL": address} if address else {})
    assert run.returncode == 2
    assert run.stderr.strip().startswith("Not built: MIRSAD_SITEURL")
    assert run.stderr.count("MIRSAD_SITEURL") >= 2 and "Traceback" not in run.stderr
    assert not output.exists() and not (site.root / "cache").exists()


def test_plain_pelican_with_publishconf_stops_too(site):
    site.briefing("published", PUBLISHED)
    env = {k: v for k, v in os.environ.items() if k != "MIRSAD_SITEURL"}
    run = subprocess.run([sys.executable, "-m", "pelican", str(site.content), "-s", str(ROOT / "publishconf.py"),
                          "-o", str(site.root / "output")], capture_output=True, text=True, timeout=300, env=env,
                         cwd=ROOT)
    assert run.returncode != 0
    assert "MIRSAD_SITEURL is not set" in " ".join((run.stdout + run.stderr).split())
    assert not list((site.root / "output").rglob("*.html"))


def test_development_pdfs_print_no_local_address_and_published_ones_print_theirs(site):
    site.briefing("published", PUBLISHED)
    development = site.build()
    for pdf in ("ar/briefings/published.pdf", "en/briefings/published.pdf", "ar/digest.pdf"):
        text = pdf_text(development.output / pdf)
        assert "localhost" not in text and "Web version" not in text, pdf
    published = build_published(site)
    assert "https://briefings.mirsad.ly/en/briefings/published.html" in pdf_text(
        published.output / "en/briefings/published.pdf")
    assert "https://briefings.mirsad.ly/ar/index.html" in pdf_text(published.output / "ar/digest.pdf")


def build_published(site):
    from conftest import build as build_site

    return build_site(site.content, site.root / "published", SITEURL="https://briefings.mirsad.ly",
                      RELATIVE_URLS=False)
