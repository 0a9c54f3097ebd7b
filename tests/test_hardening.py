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
    # README "Static hosting": script-src 'self'; style-src 'self' (no 'unsafe-inline').
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
