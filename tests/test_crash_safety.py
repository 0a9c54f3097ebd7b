"""Crash safety (hardening issue, "Crash safety"): `kill -9` of a build at any
moment leaves the previous output/ as it was, the translation memory and the
PDF cache sound, and the next build gives the same site as a clean build.

The build runs the way a user runs it, `invoke build` in a project folder, so
the staging folder and the swap of tasks.py are what is tested. The project
is a copy of the real one in tmp_path: the current tasks.py and pelicanconf.py
(copied, so ROOT, the memory and CACHE_PATH are the temporary project's),
themes/ linked (the mirsad package is installed), two briefings without reviewed translations, the
tiny real Argos test models (ar→en, en→fr), PDFs on (the default settings).
Each killed build is SIGKILLed as a whole process group (invoke, pelican and
the PDF worker processes) after a seeded random fraction of a measured build
time; where it landed (startup, translation, PDF rendering, ...) is read from
/proc just before the kill and printed with `pytest -s`.
"""

from __future__ import annotations

import collections
import hashlib
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT

BIN = Path(sys.executable).parent
MODELS = ROOT / "tests" / "fixtures" / "models"
SEED = 20261129
KILLS = 20
CHECK_EVERY = 10  # a full build compared with the reference after this many kills
FRESH_CACHES = 0.35  # share of killed builds that start with no memory and no PDF cache
TIMEOUT = 180
CACHED_PDF = re.compile(r".+\.[0-9a-f]{20}\.pdf")
LOG_PROBLEMS = ("ERROR", "CRITICAL", "Traceback", "damaged", "Another build")


class Project:
    """A Mirsad project folder in tmp_path, built with the real `invoke build`."""

    def __init__(self, root: Path, models: Path):
        self.root = root
        self.content = root / "content"
        self.output = root / "output"
        self.cache = root / "cache"
        self.memory = self.cache / "translation-memory.sqlite"
        self.pdf_cache = self.cache / "pdf"
        self.logs = root.parent / "logs"
        self.logs.mkdir()
        self.env = {**os.environ, "MIRSAD_MODELS_DIR": str(models)}
        self.env.pop("MIRSAD_STRICT", None)
        self.runs = 0

    def start(self, *args: str) -> tuple[subprocess.Popen, Path]:
        """Start `invoke ARGS` in its own session (one process group to kill)."""
        self.runs += 1
        log = self.logs / f"run-{self.runs:02d}.log"
        with open(log, "wb") as handle:
            process = subprocess.Popen([str(BIN / "invoke"), *args], cwd=self.root, env=self.env,
                                       stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
        return process, log

    def run(self, *args: str) -> tuple[int, str, float]:
        started = time.monotonic()
        process, log = self.start(*args)
        try:
            code = process.wait(TIMEOUT)
        finally:
            _kill_group(process)
        return code, log.read_text(encoding="utf-8", errors="replace"), time.monotonic() - started

    def build(self) -> float:
        """A normal build that must succeed without errors; its duration."""
        code, log, took = self.run("build")
        assert code == 0, log
        assert not [line for line in log.splitlines() if any(p in line for p in LOG_PROBLEMS)], log
        return took

    def staging(self) -> set[Path]:
        return set(self.root.glob(".output-*"))


@pytest.fixture
def project(tmp_path) -> Project:
    root = tmp_path / "project"
    (root / "content" / "briefings").mkdir(parents=True)
    for name in ("tasks.py", "pelicanconf.py"):
        shutil.copy(ROOT / name, root / name)
    for name in ("themes",):
        (root / name).symlink_to(ROOT / name)
    for name in ("glossary.yml", "taxonomy.yml"):
        shutil.copy(ROOT / "content" / name, root / "content" / name)
    # The two shortest sample briefings; their reviewed translations are left
    # out, so both are machine-translated into English and French.
    for slug in ("libya-oil-output", "g5-sahel-migration"):
        shutil.copy(ROOT / "content" / "briefings" / f"{slug}.md", root / "content" / "briefings")
    archives = tmp_path / "archives"
    archives.mkdir()
    for pair in ("ar_en", "en_fr"):
        shutil.copy(MODELS / f"translate-{pair}-test-1.0.argosmodel", archives)
    made = Project(root, tmp_path / "models")
    code, log, _ = made.run("models", "--from", str(archives))
    assert code == 0 and "installed Argos ar→en" in log and "installed Argos en→fr" in log, log
    return made


def test_kill_9_at_any_moment_keeps_output_memory_and_pdf_cache_sound(project):
    rng = random.Random(SEED)
    started = time.monotonic()

    cold = project.build()  # fresh memory and PDF cache: everything translated and rendered
    reference = tree(project.output)
    assert any(path.endswith(".pdf") for path in reference) and "en/briefings/libya-oil-output.html" in reference
    assert "Machine translation" in (project.output / "en/briefings/libya-oil-output.html").read_text()
    warm = project.build()  # everything reused: the same bytes
    assert_same_site(tree(project.output), reference, "a build from warm caches")
    check_caches(project, finished=True)

    # How long a build takes, per state of the caches; updated as builds finish,
    # since the machine's load changes.
    expected = {"fresh": cold, "kept": warm}
    landed: collections.Counter[str] = collections.Counter()
    lines = []
    kills = attempts = partials = 0
    while kills < KILLS + 2 and attempts < 3 * KILLS:
        if kills < KILLS:  # random moments
            fresh, target = rng.random() < FRESH_CACHES, None
            delay = rng.uniform(0.02, 1.0) * expected["fresh" if fresh else "kept"]
        else:  # then one kill in each long phase that no random one reached
            missing = [phase for phase in ("translation", "pdf rendering") if not landed[phase]]
            if not missing:
                break
            fresh, target, delay = True, missing[0], rng.uniform(0.0, 0.5)
        attempts += 1
        if fresh:
            shutil.rmtree(project.cache, ignore_errors=True)
        phase, took = kill_build(project, delay, target)
        mode = "fresh" if fresh else "kept"
        what = f"after {delay:5.2f} s" if target is None else f"{delay:4.2f} s into {target}"
        lines.append(f"{mode:5} caches, kill {what}: {phase}")
        landed[phase] += 1
        if phase == "finished":
            expected[mode] = took
        else:
            kills += 1
        # The previous site is untouched, byte for byte: no half-written file.
        assert_same_site(tree(project.output), reference, f"output/ after {lines[-1]}")
        partials = max(partials, check_caches(project, finished=phase == "finished"))
        if kills and kills % CHECK_EVERY == 0 and phase != "finished":
            expected["kept"] = project.build()
            assert_same_site(tree(project.output), reference, f"the build after kill {kills}")
            check_caches(project, finished=True)
    if kills % CHECK_EVERY:
        project.build()
        assert_same_site(tree(project.output), reference, "the last build")
        check_caches(project, finished=True)

    # A failed build (strict, a broken briefing) leaves output/ as it was and no staging folder.
    before = project.staging()
    broken = project.content / "briefings" / "broken.md"
    broken.write_text('---\ntitle: "عنوان\ndate: 2017-01-25\n---\nنص.\n', encoding="utf-8")
    code, log, _ = project.run("build", "--strict")
    broken.unlink()
    assert code != 0, log
    assert project.staging() == before
    assert_same_site(tree(project.output), reference, "output/ after a failed build")

    summary = "\n".join([*lines, f"{kills} kills in {attempts} builds; where: {dict(sorted(landed.items()))}",
                         f"staging folders left by killed builds: {len(project.staging())}; "
                         f"partial PDFs in the cache after a kill: at most {partials}",
                         f"clean build {cold:.1f} s, warm {warm:.1f} s, "
                         f"total {time.monotonic() - started:.0f} s"])
    print("\n" + summary)
    assert kills >= KILLS, summary
    assert landed["translation"] and landed["pdf rendering"], summary


def kill_build(project: Project, delay: float, phase: str | None = None) -> tuple[str, float]:
    """Start a build and SIGKILL its whole process group `delay` seconds after
    its start (or after it enters `phase`); return where the build was at that
    moment ("finished" if it was done) and how long it ran."""
    before = project.staging()
    started = time.monotonic()
    process, log = project.start("build")
    seen: list[Path] = []  # its staging folder, once made
    try:
        if phase is not None:
            while process.poll() is None and current_phase(project, process, before, seen) != phase:
                time.sleep(0.01)
            started_phase = time.monotonic()
            while process.poll() is None and time.monotonic() < started_phase + delay:
                current_phase(project, process, before, seen)
                time.sleep(0.02)
        while process.poll() is None and time.monotonic() < started + delay:
            current_phase(project, process, before, seen)
            time.sleep(min(0.05, max(0.0, started + delay - time.monotonic())))
        where = current_phase(project, process, before, seen)
    finally:
        _kill_group(process)
    took = time.monotonic() - started
    if process.returncode != -signal.SIGKILL:  # it finished before the kill: a whole build
        text = log.read_text(encoding="utf-8", errors="replace")
        assert process.returncode == 0, text
        assert not [line for line in text.splitlines() if any(p in line for p in LOG_PROBLEMS)], text
        where = "finished"
    return where, took


def current_phase(project: Project, process: subprocess.Popen, before: set[Path], seen: list[Path]) -> str:
    if process.poll() is not None:
        return "finished"
    if not seen:
        seen.extend(project.staging() - before)
    return build_phase(process.pid, seen[0] if seen else None)


def build_phase(leader: int, staging: Path | None) -> str:
    """Where a running `invoke build` is, from its processes, the libraries
    they loaded, their open files and what is in its staging folder."""
    group = {pid: info for pid, info in _processes().items() if info[1] == leader}
    pelicans = {pid for pid in group if b"pelican" in _read(f"/proc/{pid}/cmdline")}
    main = next((pid for pid in pelicans if group[pid][0] not in pelicans), None)
    # os.walk skips what vanishes meanwhile (the staging folder becomes output/).
    staged = {os.path.splitext(name)[1] for _, _, files in os.walk(staging) for name in files} if staging else set()
    if main is None:
        # Before Pelican (invoke starting), or after it: the swap into output/.
        return "swap" if staging is not None and (staged or not staging.exists()) else "startup"
    if ".html" in staged:
        return "writing pages"
    if ".pdf" in staged:
        return "publishing pdfs"
    workers = any(group[pid][0] == main for pid in pelicans)
    libraries = _read(f"/proc/{main}/maps")
    if workers and b"libpango" in libraries:
        return "pdf rendering"  # forked PDF workers are running
    if any(link.endswith("translation-memory.sqlite") for link in _open_files(main)):
        return "translation"  # the memory is open from loading the models to the commit
    if b"libpango" in libraries:
        return "pdf set-up"  # WeasyPrint loaded: planning, fonts, before the workers
    if b"ctranslate2" in libraries:
        return "summaries"  # after the translation, before the PDFs
    if workers:
        return "reading"  # key points are ranked in forked workers meanwhile
    return "pelican start"  # imports, settings, reading the briefings


def check_caches(project: Project, finished: bool) -> int:
    """The translation memory passes SQLite's integrity check and every cached
    PDF is whole; after a finished build, no partial PDF of a killed one is
    left. Returns the number of partial PDFs (of killed renderings)."""
    partials = 0
    if project.memory.exists():
        # On a copy (with its WAL), so the next build still meets what the kill left.
        copy = project.root.parent / "memory-check"
        shutil.rmtree(copy, ignore_errors=True)
        copy.mkdir()
        for suffix in ("", "-wal"):
            if Path(f"{project.memory}{suffix}").exists():
                shutil.copy(f"{project.memory}{suffix}", copy / f"tm.sqlite{suffix}")
        db = sqlite3.connect(copy / "tm.sqlite")
        try:
            assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert db.execute("SELECT count(*) FROM segments").fetchone()[0] >= 0
        finally:
            db.close()
    if project.pdf_cache.exists():
        for entry in project.pdf_cache.iterdir():
            if entry.name.endswith(".part"):
                assert not finished, f"left over by a killed build: {entry}"
                partials += 1
            if not CACHED_PDF.fullmatch(entry.name):
                continue
            data = entry.read_bytes()
            assert data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:], f"truncated: {entry}"
    return partials


def tree(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under `folder`."""
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def assert_same_site(got: dict[str, str], reference: dict[str, str], what: str) -> None:
    changed = sorted(path for path in set(got) | set(reference) if got.get(path) != reference.get(path))
    assert not changed, f"{what} differs from the clean build in {len(changed)} files: {changed[:10]}"


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the process group and wait until none of it is left."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(30)
    deadline = time.monotonic() + 10
    while any(info[1] == process.pid for info in _processes().values()):
        assert time.monotonic() < deadline, "processes of a killed build are still running"
        time.sleep(0.02)


def _processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, process group) of every live (non-zombie) process."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if fields[0] not in (b"Z", b"X"):
            found[int(entry.name)] = (int(fields[1]), int(fields[2]))
    return found


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return b""


def _open_files(pid: int) -> list[str]:
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return []
    links = []
    for name in names:
        try:
            links.append(os.readlink(f"/proc/{pid}/fd/{name}"))
        except OSError:
            pass
    return links


def test_pdf_cache_drops_partial_renderings_of_dead_processes_only(tmp_path):
    from mirsad.pdf.cache import PdfCache, partial_prefix

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    cache = PdfCache(str(tmp_path), "shared")
    entry = cache.path("ar/briefings/x.pdf", "<html>")
    Path(entry).write_bytes(b"%PDF-1.7\n%%EOF\n")
    killed = tmp_path / f"rendering-{dead.pid}-abc123.part"  # a worker SIGKILLed mid-render
    running = tmp_path / f"{partial_prefix()}def456.part"  # a render in progress (this process)
    other = tmp_path / "notes.part"  # not ours: left alone
    for path in (killed, running, other):
        path.write_bytes(b"%PDF-1.7\n")
    cache.prune([entry])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [Path(entry).name, running.name, other.name])


def test_publishing_into_a_folder_that_has_the_pdf_leaves_no_part_file(tmp_path):
    from mirsad.common.files import publish

    cached = tmp_path / "cache.pdf"
    cached.write_bytes(b"%PDF-1.7\n%%EOF\n")
    target = tmp_path / "out" / "ar" / "x.pdf"
    publish(str(cached), str(target))
    publish(str(cached), str(target))  # e.g. `pelican -o` into the previous output
    assert sorted(p.name for p in target.parent.iterdir()) == ["x.pdf"]
    assert target.read_bytes() == cached.read_bytes()
