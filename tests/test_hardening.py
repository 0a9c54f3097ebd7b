"""Hostile and broken input, and concurrent builds (issue 7, first part):
each case gets a clear message naming the file and the fix, the other
briefings still build, and nothing is written outside output/."""

import pytest


def test_windows_1256_file_is_named_with_the_conversion_command(site):
    site.briefing("fine", "سليم")
    old = site.write("briefings/old.md", '---\ntitle: "مصادر ليبية"\ndate: 2017-01-25\n---\nداعش قرب سرت.\n'.encode("cp1256"))
    built = site.build()
    assert any(str(old) in e and "looks like Windows-1256" in e and "iconv -f WINDOWS-1256" in e
               for e in built.errors), built.errors
    assert (built.output / "ar/briefings/fine.html").exists()


def test_bom_and_crlf_are_accepted_as_normal(site):
    site.write("briefings/win.md", "\ufeff---\r\ntitle: \"ويندوز\"\r\nslug: win\r\ndate: 2017-01-25\r\n---\r\nسطر أول.\r\n\r\nسطر ثان.\r\n")
    built = site.build()
    assert not built.errors
    assert len(built.page("ar/briefings/win.html").findall(".//div[@class='briefing__body']/p")) == 2


@pytest.mark.parametrize("slug", ["../../escape", "/etc/passwd", "a/b", "..", "%2e%2e%2fescape",
                                  "x\u202eevil", "has space", ".hidden"])
def test_slug_that_could_leave_output_is_refused(site, slug):
    site.briefing("fine", "سليم")
    bad = site.write("briefings/bad.md", f'---\ntitle: "عنوان"\ndate: 2017-01-25\nslug: "{slug}"\n---\nنص.\n')
    built = site.build()
    assert any(str(bad) in e and "not a safe file name" in e for e in built.errors), built.errors
    written = {p.relative_to(built.output.parent) for p in built.output.parent.rglob("*")}
    assert not any("escape" in str(p) or "passwd" in str(p) for p in written)
    assert (built.output / "ar/briefings/fine.html").exists()


def test_hidden_direction_controls_are_removed_from_titles(site):
    site.briefing("t", "عنوان\u202e موجه\u2066", body="نص.")
    built = site.build()
    title = built.page("ar/briefings/t.html").findtext(".//h1")
    assert title == "عنوان موجه" and "\u202e" not in built.text("ar/briefings/t.html")
    assert any("hidden direction" in w for w in built.warnings)


def test_a_second_build_at_the_same_time_is_refused_clearly(tmp_path):
    import fcntl
    import subprocess
    import sys

    from conftest import ROOT

    with open(ROOT / ".build.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        run = subprocess.run([sys.executable, "-m", "invoke", "build", "--output", str(tmp_path / "out")],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert "Another build of this project is running" in run.stdout + run.stderr
    assert not (tmp_path / "out").exists()


def test_pages_need_no_unsafe_inline_for_a_strict_csp(sample):
    # docs/build-policy.md, "Static hosting": script-src 'self'; style-src 'self' (no 'unsafe-inline').
    for page in sample.html_files():
        tree = sample.page(str(page.relative_to(sample.output)))
        assert tree.findall(".//style") == [], page
        for script in tree.iter("script"):
            assert script.get("src") and not (script.text or "").strip(), page
        for element in tree.iter():
            if not isinstance(element.tag, str):
                continue
            handlers = [name for name in element.attrib if name.lower().startswith("on")]
            assert not handlers, f"{page}: <{element.tag} {handlers}>"
            assert "style" not in element.attrib, f"{page}: <{element.tag} style=...>"


def test_duplicate_slug_leaves_the_later_file_out_and_builds_the_rest(site):
    site.briefing("same", "الأول", body="نص أول.")
    second = site.write("briefings/zz-second.md", '---\ntitle: "الثاني"\ndate: 2017-02-01\nslug: same\n---\nنص ثان.\n')
    site.briefing("other", "آخر")
    built = site.build()
    assert any(str(second) in e and "slug 'same' is already used" in e for e in built.errors), built.errors
    assert built.page("ar/briefings/same.html").findtext(".//h1") == "الأول"
    assert (built.output / "ar/briefings/other.html").exists()


def test_two_tags_with_one_slug_get_two_pages_and_a_warning(site):
    site.briefing("one", "أول", tags="[Sahel News]")
    site.briefing("two", "ثان", tags="[sahel-news]")
    built = site.build()
    assert not built.errors, built.errors
    assert any("'Sahel News' and 'sahel-news' both make the URL slug 'sahel-news'" in w and "taxonomy.yml" in w
               for w in built.warnings), built.warnings
    pages = {p.name for p in (built.output / "ar" / "tags").glob("*.html")}
    assert {"sahel-news.html", "sahel-news-2.html"} <= pages


def test_a_build_cleans_up_after_a_killed_one(tmp_path):
    """A killed build can leave its staging folder, or (killed mid-swap) the
    previous site only as output.old: the next build tidies both."""
    import subprocess
    import sys

    from conftest import ROOT

    site = tmp_path / "site"
    (site / "ar").mkdir(parents=True)
    (site / "ar" / "index.html").write_text("previous")
    site.rename(tmp_path / "site.old")
    (tmp_path / ".site-k3j9x0ab").mkdir()  # a staging folder's name
    run = subprocess.run([sys.executable, "-m", "invoke", "build", "--output", str(site)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert (site / "ar" / "index.html").read_text() != "previous"
    assert oct(site.stat().st_mode & 0o777) == oct(0o777 & ~_umask()), "readable like any folder"


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_tag_of_only_symbols_gets_a_named_page_and_a_warning(site):
    site.briefing("one", "أول", tags='["<>"]')
    built = site.build()
    assert not built.errors, built.errors
    assert any("the tag name '<>' makes no URL slug" in w for w in built.warnings), built.warnings
    assert (built.output / "ar" / "tags" / "tag.html").is_file()
    assert not (built.output / "ar" / "tags" / ".html").exists()


@pytest.mark.parametrize("opener", ["<div><style>", "نص <script>", "<math><style>", "<textarea>", "<title>"])
def test_an_unclosed_raw_text_element_does_not_swallow_the_rest(site, opener):
    # An HTML parser reads <style>, <script>, <textarea>... as raw text up to
    # their end tag: left unclosed, the rest of the body would vanish.
    site.briefing("raw", "عنوان", body=f"{opener}\n\nفقرة بعد الوسم.\n\nفقرة أخيرة.")
    built = site.build()
    body = built.page("ar/briefings/raw.html").find(".//div[@class='briefing__body']")
    assert "فقرة أخيرة." in body.text_content() and "فقرة بعد الوسم." in body.text_content()
    assert not body.findall(".//style") and not body.findall(".//script") and not body.findall(".//textarea")
