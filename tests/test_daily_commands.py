"""The editor's daily commands, run as an editor runs them: `invoke init` makes
a newsroom's project, `invoke new` starts a briefing in it, `invoke serve`
previews it and keeps answering while it rebuilds."""

from __future__ import annotations

import os
import queue
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from lxml import html

from conftest import ROOT
from mirsad.tasks.newsroom import new_briefing
from mirsad.tasks.site import Site, TaskError

INVOKE = Path(sys.executable).parent / "invoke"


def invoke(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(INVOKE), *args], cwd=project, capture_output=True, text=True, timeout=300)


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def publish(briefing: Path, body: str) -> None:
    """What the editor does once the draft is written: the body, and the status line gone."""
    text = briefing.read_text(encoding="utf-8")
    kept = [line for line in text.splitlines() if not line.startswith(("status:", "# A draft"))]
    briefing.write_text("\n".join(kept) + "\n" + body + "\n", encoding="utf-8")


@pytest.fixture
def project(tmp_path) -> Path:
    """A newsroom's project writing in French for French and English readers."""
    made = invoke(ROOT, "init", str(tmp_path / "sahel"), "--name", "Veille Sahel", "--languages", "fr,en")
    assert made.returncode == 0, made.stdout + made.stderr
    return tmp_path / "sahel"


def test_new_writes_a_draft_dated_now_in_the_site_timezone_and_never_overwrites(tmp_path):
    root = tmp_path / "site"
    (root / "content").mkdir(parents=True)
    shutil.copy(ROOT / "pelicanconf.py", root)
    site = Site(root)
    now = datetime(2026, 12, 7, 21, 5, tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Africa/Tripoli"))
    path = new_briefing(site, "داعش في سرت", tags=["ليبيا", "سرت"], category="أمن", now=now)
    assert path == root / "content" / "briefings" / f"{path.stem}.md" and path.stem.isascii()
    assert front_matter(path) == {"title": "داعش في سرت", "date": "2026-12-07 23:05", "slug": path.stem,
                                  "tags": ["ليبيا", "سرت"], "category": "أمن", "status": "draft"}
    path.write_text(path.read_text(encoding="utf-8") + "نص كتبه المحرر.\n", encoding="utf-8")
    written = path.read_bytes()
    with pytest.raises(TaskError, match="already exists; give another --slug"):
        new_briefing(site, "داعش في سرت", now=now)
    assert path.read_bytes() == written
    assert new_briefing(site, "داعش في سرت", slug="isis-sirte-2", now=now).name == "isis-sirte-2.md"


def test_init_makes_a_project_in_its_languages_that_builds(project, tmp_path):
    settings = (project / "pelicanconf.py").read_text(encoding="utf-8")
    assert 'SITENAME = "Veille Sahel"' in settings and 'DEFAULT_LANG = "fr"' in settings
    assert list((project / "content" / "briefings").iterdir()) == []
    assert "tags: {}" in (project / "content" / "taxonomy.yml").read_text(encoding="utf-8")
    assert not (project / "tests").exists() and not (project / "bench").exists()

    started = invoke(project, "new", "--title", "La situation au Mali", "--tags", "Mali, Sahel")
    assert started.returncode == 0, started.stderr
    briefing = Path(started.stdout.strip())
    assert briefing == project / "content" / "briefings" / "la-situation-au-mali.md"
    assert front_matter(briefing)["tags"] == ["Mali", "Sahel"]
    publish(briefing, "Les élections sont reportées.")

    built = invoke(project, "build")
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    output = project / "output"
    assert sorted(p.name for p in output.iterdir() if p.is_dir()) == ["en", "fr", "theme"]
    page = html.fromstring((output / "fr" / "briefings" / "la-situation-au-mali.html").read_bytes())
    assert page.get("lang") == "fr" and page.get("dir") == "ltr"
    assert page.findtext(".//h1") == "La situation au Mali"
    assert "Veille Sahel" in page.findtext(".//title")


def test_init_refuses_a_folder_in_use_and_unknown_languages(project, tmp_path):
    again = invoke(ROOT, "init", str(project), "--name", "X", "--languages", "fr,en")
    assert again.returncode != 0 and f"{project} is not empty" in again.stderr
    bad = invoke(ROOT, "init", str(tmp_path / "other"), "--name", "X", "--languages", "ar,english")
    assert bad.returncode == 2 and "'english' is not a language code" in bad.stderr
    assert not (tmp_path / "other").exists()
    for output in (again, bad):
        assert "Traceback" not in output.stdout + output.stderr


class Console:
    """The lines `invoke serve` prints, as they come."""

    def __init__(self, process: subprocess.Popen):
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.put(line)

    def wait_for(self, text: str, since: int = 0, timeout: float = 120) -> int:
        """Waits for a line with `text` after the first `since` lines; returns how many lines are in then."""
        end = time.monotonic() + timeout
        while not any(text in line for line in self.seen[since:]):
            remaining = end - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {text!r} in the console:\n{''.join(self.seen)[-3000:]}")
            try:
                self.seen.append(self.lines.get(timeout=remaining))
            except queue.Empty:
                pass
        return len(self.seen)


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read().decode()


def first_fetch(url: str) -> str:
    """The server says where it serves just before it listens."""
    for _ in range(100):
        try:
            return fetch(url)
        except urllib.error.URLError:
            time.sleep(0.1)
    return fetch(url)


def test_serve_answers_while_it_rebuilds_and_keeps_the_last_good_site(project):
    briefing = Path(invoke(project, "new", "--title", "Premier titre").stdout.strip())
    publish(briefing, "Un texte.")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([str(INVOKE), "serve", "--port", str(port)], cwd=project, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        console = Console(server)
        served = console.wait_for("Serving on")
        url = f"http://127.0.0.1:{port}/fr/briefings/premier-titre.html"
        assert "Premier titre" in first_fetch(url)

        briefing.write_text(briefing.read_text(encoding="utf-8").replace("Premier titre", "Second titre"),
                            encoding="utf-8")
        rebuilding = console.wait_for("serve: a file changed, rebuilding", since=served)
        answered = fetch(url)  # while the rebuild runs: the last good site, at once
        answered_at = len(console.seen)
        rebuilt = console.wait_for("Site built", since=rebuilding)
        assert "Premier titre" in answered
        assert not any("Site built" in line for line in console.seen[rebuilding:answered_at])
        for _ in range(50):  # the swap is done when the build says so
            if "Second titre" in fetch(url):
                break
            time.sleep(0.1)
        assert "Second titre" in fetch(url)

        settings = project / "pelicanconf.py"
        settings.write_text(settings.read_text(encoding="utf-8").replace('"languages": ["fr", "en"]',
                                                                          '"languages": ["fr", "xx-nowhere"]'),
                            encoding="utf-8")
        console.wait_for("serve: rebuild failed", since=rebuilt)
        assert "Second titre" in fetch(url)
        assert server.poll() is None
    finally:
        server.terminate()
        server.wait(timeout=30)
