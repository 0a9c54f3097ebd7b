"""The build policy, driven through the real `invoke build` (issue 7,
second part):

- one bad briefing: an error naming the file (and line where known), the
  others build; exit 0 by default, non-zero with --strict/--publish (and
  output/ untouched); a summary of every error and warning at the end;
- an output folder on a read-only or full file system: a clear message,
  non-zero exit, the previous output/ intact, no staging folder left, the
  translation memory and the PDF cache not damaged;
- a whole build (models installed, translation, PDFs, search) with the
  network cut off makes zero attempts;
- a corrupt or mislabelled .argosmodel is refused by name with the fix,
  when installed and when found damaged in the models folder at build time.

Read-only and full file systems are real: a tmpfs mounted in a user+mount
namespace (`unshare -rm`), since chmod does not stop root (CI runs as root).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT, REQUIRE_TOOLS, briefing, missing_tool

FIXTURES = ROOT / "tests" / "fixtures" / "models"
FRAGILE = "الوضع الأمني في ليبيا لا يزال هشا."
ACTIVE = "داعش لا يزال نشطا في سرت."
CLASHES = "وقعت اشتباكات جنوب طرابلس."

GOOD = {
    "briefings/good-one.md": briefing(ACTIVE, FRAGILE, date="2017-01-25 10:00", slug="good-one"),
    "briefings/good-two.md": briefing(CLASHES, ACTIVE, date="2017-01-26 10:00", slug="good-two"),
}
BAD = {
    # line 4 opens a list that line 5 does not close: the parser stops at line 5
    "briefings/bad-yaml.md": '---\ntitle: "سيء"\ndate: 2017-01-25\ntags: [a, b\nslug: badyaml\n---\nنص.\n',
    "briefings/no-title.md": "---\ndate: 2017-01-25\nslug: notitle\n---\nنص.\n",
    "briefings/bad-date.md": '---\ntitle: "تاريخ"\ndate: 2017-02-30\nslug: baddate\n---\nنص.\n',
    "briefings/empty.md": '---\ntitle: "فارغ"\ndate: 2017-01-25\nslug: empty\n---\n',
}


@dataclass
class Run:
    code: int
    out: str  # stdout + stderr

    def line(self, start: str) -> str:
        found = [line for line in self.out.splitlines() if line.strip().startswith(start)]
        assert found, f"no line starting with {start!r} in:\n{self.out[-4000:]}"
        return found[-1].strip()

    def problems(self, level: str) -> list[str]:
        return [line.strip() for line in self.out.splitlines() if line.strip().startswith(f"{level}: ")]


def invoke(*args: str, models: Path | None = None, prefix: tuple[str, ...] = (), env: dict | None = None) -> Run:
    base = {k: v for k, v in os.environ.items() if k not in ("MIRSAD_STRICT", "MIRSAD_MODELS_DIR")}
    base["MIRSAD_MODELS_DIR"] = str(models) if models else "/nonexistent/mirsad-models"
    run = subprocess.run([*prefix, sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True,
                         text=True, timeout=900, env={**base, **(env or {})})
    return Run(run.returncode, run.stdout + run.stderr)


class Project:
    """A tmp project: content/, cache/ and output/ of its own (and its own build lock)."""

    def __init__(self, root: Path, models: Path | None):
        self.root, self.models = root, models
        self.content, self.cache, self.output = root / "content", root / "cache", root / "output"
        self.content.mkdir(parents=True)

    def write(self, files: dict[str, str]) -> None:
        for relative, text in files.items():
            path = self.content / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    def build_args(self, *options: str, output: Path | str | None = None, cache: Path | str | None = None) -> list[str]:
        return ["build", *options, "--content", str(self.content), "--cache", str(cache or self.cache),
                "--output", str(output or self.output)]

    def build(self, *options: str, **kwargs) -> Run:
        return invoke(*self.build_args(*options), models=self.models, **kwargs)

    def previous_output(self) -> dict[str, bytes]:
        """A stand-in for the site published by an earlier build."""
        (self.output / "ar").mkdir(parents=True, exist_ok=True)
        (self.output / "ar" / "index.html").write_text("<p>previous site</p>")
        (self.output / "marker.txt").write_text("previous")
        (self.output / ".mirsad-output").write_text("made by an earlier build")
        return snapshot(self.output)

    def leftovers(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.name.startswith((".output", "output.old")))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    """The real tiny test packages (ar→en, en→fr), installed with `invoke models --from DIR`."""
    root = tmp_path_factory.mktemp("policy-models")
    archives = root / "archives"
    archives.mkdir()
    for pair in ("ar_en", "en_fr"):
        shutil.copy(FIXTURES / f"translate-{pair}-test-1.0.argosmodel", archives)
    run = invoke("models", "--from", str(archives), models=root / "models")
    assert run.code == 0, run.out
    return root / "models"


@pytest.fixture
def project(tmp_path, models) -> Project:
    return Project(tmp_path / "project", models)


def body(page: Path) -> str:
    from lxml import html

    return " ".join(html.fromstring(page.read_bytes()).find(".//div[@class='briefing__body']").text_content().split())


# --- one bad briefing ---------------------------------------------------------


def assert_bad_briefings_summed_up(run: Run, project: Project) -> None:
    briefings = project.content / "briefings"
    # The warnings: the empty body, and its title's machine translations, below confidence (not in the corpus).
    assert "Problems: 3 errors, 3 warnings" in run.out, run.out[-4000:]
    assert run.line("Summary:").startswith("Summary: 3 errors, 3 warnings")
    errors, warnings = run.problems("error"), run.problems("warning")
    assert len(errors) == 3 and len(warnings) == 3, (errors, warnings)
    for lang in ("en", "fr"):
        assert any(f"{briefings / 'empty.md'} [{lang}] title: machine translation below confidence" in w
                   for w in warnings), warnings
    assert any(f"{briefings / 'bad-yaml.md'}:5: invalid YAML front matter" in e and "double quotes" in e for e in errors)
    assert any(f"{briefings / 'no-title.md'}: no title" in e and "Add a line 'title:" in e for e in errors)
    assert any(f"{briefings / 'bad-date.md'}:3: a date in the front matter is not a real date" in e
               and "day is out of range" in e and "YYYY-MM-DD" in e for e in errors), errors
    assert any(f"{briefings / 'empty.md'}: the briefing has no text" in w for w in warnings)


def test_one_bad_briefing_is_left_out_and_the_default_build_succeeds(project):
    project.write({**GOOD, **BAD})
    project.previous_output()
    run = project.build()
    assert run.code == 0, run.out[-4000:]
    assert_bad_briefings_summed_up(run, project)
    assert "the files named above are left out" in run.line("Summary:")
    site = project.output
    assert not (site / "marker.txt").exists()  # the new site replaced the previous one
    assert body(site / "en/briefings/good-one.html") == "The security situation in Libya remains fragile."
    assert (site / "ar/briefings/good-two.pdf").is_file() and (site / "ar/briefings/empty.html").is_file()
    for slug in ("badyaml", "notitle", "baddate"):
        assert not list(site.rglob(f"{slug}.*")), slug
    assert project.leftovers() == []


@pytest.mark.parametrize("mode", ["--strict", "--publish"])
def test_strict_and_publish_builds_fail_on_a_bad_briefing_and_leave_output_untouched(project, mode):
    project.write({**GOOD, **BAD})
    before = project.previous_output()
    run = project.build(mode, env={"MIRSAD_SITEURL": "https://briefings.mirsad.ly"})
    assert run.code != 0, run.out[-4000:]
    assert_bad_briefings_summed_up(run, project)  # the same summary: every briefing was read
    assert "strict build: it fails on any error" in run.line("Summary:")
    assert f"{project.output} is left as it was" in run.out
    assert snapshot(project.output) == before
    assert project.leftovers() == []


def test_a_clean_strict_build_succeeds_with_an_empty_summary(project):
    project.write(GOOD)
    run = project.build("--strict")
    assert run.code == 0, run.out[-4000:]
    assert run.line("Summary:") == "Summary: 0 errors, 0 warnings"
    assert (project.output / "fr/briefings/good-one.html").is_file()


# --- read-only and full file systems ---------------------------------------


def _namespace_mounts_work() -> str | None:
    """None when a tmpfs can be mounted in a user+mount namespace, else why not."""
    if not shutil.which("unshare"):
        return "unshare (util-linux) is not installed"
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", 'd=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs "$d" '
                            '&& touch "$d/x" && umount "$d" && rmdir "$d"'], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"cannot mount a tmpfs in a user+mount namespace here (unshare -rm: {probe.stderr.strip()})"
    return None


@pytest.fixture(scope="module")
def mounts():
    reason = _namespace_mounts_work()
    if reason:
        missing_tool(reason)


INSPECT = textwrap.dedent("""
    import json, os, sqlite3, shutil, sys, tempfile
    disk, output, cache = sys.argv[1:4]
    def files(folder):
        found = {}
        for base, _, names in os.walk(folder):
            for name in names:
                path = os.path.join(base, name)
                with open(path, 'rb') as handle:
                    data = handle.read()
                found[os.path.relpath(path, folder)] = data.hex() if len(data) < 200 else len(data)
        return found
    state = {"entries": sorted(os.listdir(disk)), "output": files(output) if os.path.isdir(output) else None}
    if os.path.isdir(cache):
        state["cache"] = sorted(os.listdir(cache))
        pdfs = os.path.join(cache, "pdf")
        state["pdfs"] = {}
        for name in (sorted(os.listdir(pdfs)) if os.path.isdir(pdfs) else []):
            with open(os.path.join(pdfs, name), "rb") as handle:
                data = handle.read()
            state["pdfs"][name] = data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
        memory = os.path.join(cache, "translation-memory.sqlite")
        if os.path.exists(memory):
            copy = tempfile.mkdtemp()  # the full disk cannot take SQLite's -shm file
            for suffix in ("", "-wal"):
                if os.path.exists(memory + suffix):
                    shutil.copy(memory + suffix, os.path.join(copy, "tm.sqlite" + suffix))
            db = sqlite3.connect(os.path.join(copy, "tm.sqlite"))
            state["memory"] = [db.execute("PRAGMA integrity_check").fetchone()[0],
                               db.execute("SELECT count(*) FROM segments").fetchone()[0]]
    print("STATE " + json.dumps(state))
""")


def in_tmpfs(project: Project, disk: Path, size: str, setup: str, build: list[str]) -> tuple[Run, dict]:
    """Mount a tmpfs of `size` at `disk` in a user+mount namespace, run the
    shell `setup` then `invoke <build>` there, and return the run with the
    state of the disk seen from inside (the mount ends with the namespace)."""
    disk.mkdir()
    inspect = disk.parent / "inspect.py"
    inspect.write_text(INSPECT)
    command = " ".join(f"'{a}'" for a in build)
    script = textwrap.dedent(f"""
        set -u
        mount -t tmpfs -o size={size} tmpfs '{disk}' || exit 97
        {setup}
        '{sys.executable}' -m invoke {command}
        echo "BUILD-EXIT $?"
        '{sys.executable}' '{inspect}' '{disk}' '{disk}/output' '{disk}/cache'
    """)
    env = {k: v for k, v in os.environ.items() if k not in ("MIRSAD_STRICT",)}
    env["MIRSAD_MODELS_DIR"] = str(project.models)
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=900, env=env)
    out = done.stdout + done.stderr
    assert done.returncode != 97, out
    code = int(next(line.split()[1] for line in out.splitlines() if line.startswith("BUILD-EXIT")))
    state = json.loads(next(line[6:] for line in out.splitlines() if line.startswith("STATE ")))
    return Run(code, out), state


PREVIOUS = ("mkdir -p '{disk}/output/ar' && echo previous > '{disk}/output/marker.txt' && "
            "echo '<p>old</p>' > '{disk}/output/ar/index.html' && touch '{disk}/output/.mirsad-output'")


def test_read_only_output_folder_fails_clearly_and_changes_nothing(project, mounts, tmp_path):
    project.write(GOOD)
    disk = tmp_path / "disk"
    setup = PREVIOUS.format(disk=disk) + f" && mount -o remount,ro '{disk}'"
    run, state = in_tmpfs(project, disk, "1m", setup, project.build_args(output=disk / "output"))
    assert run.code != 0, run.out[-4000:]
    assert f"Build failed: read-only file system writing {disk}: choose another --output" in run.out
    assert f"{disk / 'output'} is left as it was" in run.out
    assert "Traceback" not in run.out
    assert state["entries"] == ["output"]  # no staging folder
    assert state["output"]["marker.txt"] == b"previous\n".hex()
    assert not project.cache.exists() or not list(project.cache.rglob("*.part"))


def test_full_disk_fails_clearly_and_keeps_the_previous_site_and_the_cache(project, mounts, tmp_path):
    # An earlier build fills the cache (translation memory, PDFs) ...
    project.write(GOOD)
    first = project.build()
    assert first.code == 0, first.out[-4000:]
    memory_rows = sqlite3.connect(project.cache / "translation-memory.sqlite").execute(
        "SELECT count(*) FROM segments").fetchone()[0]
    # ... then a briefing changes and the next build runs out of space, with
    # the cache on the full disk too.
    project.write({"briefings/good-two.md": briefing(CLASHES, f"{ACTIVE} {FRAGILE}", date="2017-01-26 10:00",
                                                     slug="good-two")})
    disk = tmp_path / "disk"
    setup = PREVIOUS.format(disk=disk) + f" && cp -a '{project.cache}' '{disk}/cache'"
    run, state = in_tmpfs(project, disk, "600k", setup,
                          project.build_args(output=disk / "output", cache=disk / "cache"))
    assert run.code != 0, run.out[-4000:]
    assert "no space left on device writing " in run.out and "free space or choose another --output" in run.out
    assert run.line("Summary:").endswith("the site could not be written completely, so the build fails")
    assert f"{disk / 'output'} is left as it was" in run.out
    assert sorted(state["entries"]) == [".build.lock", "cache", "output"]  # no staging folder
    assert state["output"]["marker.txt"] == b"previous\n".hex()
    assert state["memory"][0] == "ok" and state["memory"][1] >= memory_rows
    assert not [name for name in state["cache"] if ".damaged-" in name], state["cache"]
    assert state["pdfs"] and all(state["pdfs"].values()), state["pdfs"]  # whole PDFs only, no .part


def test_full_disk_does_not_move_a_healthy_translation_memory_aside(project, mounts, tmp_path):
    project.write(GOOD)
    assert project.build().code == 0
    disk = tmp_path / "disk"
    setup = f"cp -a '{project.cache}' '{disk}/cache' && rm -f '{disk}/cache/translation-memory.sqlite-'* && " \
            f"dd if=/dev/zero of='{disk}/filler' bs=4k 2>/dev/null; true"
    run, state = in_tmpfs(project, disk, "1m", setup,
                          project.build_args(output=tmp_path / "elsewhere" / "output", cache=disk / "cache"))
    assert run.code != 0
    assert not [name for name in state["cache"] if ".damaged-" in name], state["cache"]


# --- no network -------------------------------------------------------------------


AUDIT = textwrap.dedent("""
    # Loaded by every Python process of the build (PYTHONPATH): records each
    # attempt to reach another host, as tests/network_guard.py defines it,
    # and any urllib request that is not for a local file.
    import os
    import sys

    import network_guard  # tests/ is on PYTHONPATH too

    def _record(event, args):
        line = None
        if event == "urllib.Request" and not str(args[0]).startswith(("file:", "data:")):
            line = f"{event} {args[0]}"  # WeasyPrint reads the theme's fonts through file: URLs
        elif event.startswith("socket."):
            try:
                network_guard.audit(event, args)
            except network_guard.NetworkAttempt as attempt:
                line = str(attempt)
        if line:
            with open(os.environ["MIRSAD_NETWORK_LOG"], "a") as log:
                log.write(f"{os.getpid()} {line}\\n")

    sys.addaudithook(_record)
""")


def _network_cut_off() -> tuple[str, ...]:
    """`unshare -rn` where the machine allows it (no interface but a down loopback)."""
    if shutil.which("unshare") and subprocess.run(["unshare", "-rn", "true"], capture_output=True).returncode == 0:
        return ("unshare", "-rn")
    if REQUIRE_TOOLS:
        pytest.fail("unshare -rn is not permitted (MIRSAD_REQUIRE_TOOLS=1)")
    return ()  # the audit hook alone still sees every attempt


def test_a_whole_build_with_the_network_cut_off_makes_zero_attempts(project, tmp_path):
    prefix = _network_cut_off()
    hook = tmp_path / "audit"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(AUDIT)
    log = tmp_path / "network.log"
    env = {"PYTHONPATH": os.pathsep.join([str(hook), str(ROOT / "tests")]), "MIRSAD_NETWORK_LOG": str(log)}
    # The hook works in these processes: a lookup made on purpose is recorded.
    probe = subprocess.run([*prefix, sys.executable, "-c", "import socket\ntry: socket.getaddrinfo('example.org', 443)\n"
                            "except OSError: pass"], env={**os.environ, **env}, capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    assert "example.org" in log.read_text()
    log.unlink()

    project.write(GOOD)
    run = project.build("--strict", prefix=prefix, env=env)
    assert run.code == 0, run.out[-4000:]
    site = project.output
    assert body(site / "en/briefings/good-one.html") == "The security situation in Libya remains fragile."
    assert body(site / "fr/briefings/good-two.html") == "Daech est toujours actif à Syrte."
    assert (site / "fr/briefings/good-one.pdf").read_bytes().startswith(b"%PDF")
    assert (site / "en/search-index.js").is_file()
    assert run.line("Summary:") == "Summary: 0 errors, 0 warnings"
    assert not log.exists(), log.read_text()


# --- corrupt or mislabelled .argosmodel ---------------------------------------------


def _truncated(folder: Path) -> Path:
    target = folder / "translate-ar_en-test-1.0.argosmodel"
    data = (FIXTURES / target.name).read_bytes()
    target.write_bytes(data[: len(data) // 2])
    return target


def _corrupt(folder: Path) -> Path:
    """The zip's directory is intact; model.bin's compressed data is not."""
    target = folder / "translate-ar_en-test-1.0.argosmodel"
    data = bytearray((FIXTURES / target.name).read_bytes())
    with zipfile.ZipFile(FIXTURES / target.name) as bundle:
        info = bundle.getinfo("translate-ar_en-test-1_0/model/model.bin")
    name_length, extra_length = struct.unpack("<HH", data[info.header_offset + 26: info.header_offset + 30])
    start = info.header_offset + 30 + name_length + extra_length + info.compress_size // 2
    data[start: start + 512] = bytes(b ^ 0x5A for b in data[start: start + 512])
    target.write_bytes(bytes(data))
    return target


def _mislabelled(folder: Path) -> Path:
    """An en→fr package saved under an ar→en file name."""
    target = folder / "translate-ar_en-test-1.0.argosmodel"
    shutil.copy(FIXTURES / "translate-en_fr-test-1.0.argosmodel", target)
    return target


def _unsafe(folder: Path, member: str = "../../evil.txt") -> Path:
    target = folder / "translate-ar_en-test-1.0.argosmodel"
    with zipfile.ZipFile(FIXTURES / target.name) as source, zipfile.ZipFile(target, "w") as bundle:
        for info in source.infolist():
            bundle.writestr(info, source.read(info))
        bundle.writestr(member, "outside")
    return target


def _rewritten(folder: Path, change) -> Path:
    """The ar→en test package with its members changed by `change(name, data)`
    (None drops one; a (name, data) list adds members)."""
    target = folder / "translate-ar_en-test-1.0.argosmodel"
    with zipfile.ZipFile(FIXTURES / target.name) as source, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
        for info in source.infolist():
            data = change(info.filename, source.read(info))
            if data is not None:
                bundle.writestr(info.filename, data)
    return target


def _zero_model(folder: Path) -> Path:
    """model.bin of the right size, all zeros: every file check passes, CTranslate2 cannot load it."""
    return _rewritten(folder, lambda name, data: bytes(len(data)) if name.endswith("model/model.bin") else data)


def _bomb(folder: Path) -> Path:
    """A member of 64 MiB of zeros, 64 KiB compressed."""
    target = _rewritten(folder, lambda name, data: data)
    with zipfile.ZipFile(target, "a", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("translate-ar_en-test-1_0/stanza/padding.bin", bytes(64 * 1024**2))
    return target


def _metadata(folder: Path, text: str) -> Path:
    return _rewritten(folder, lambda name, data: text.encode() if name.endswith("/metadata.json") else data)


def _long_version(folder: Path) -> Path:
    return _metadata(folder, '{"from_code": "ar", "to_code": "en", "package_version": "' + "9" * 1_000_000 + '"}')


BROKEN_ARCHIVES = {
    "truncated": (_truncated, "not a valid .argosmodel (zip) file. Re-download it"),
    "corrupt": (_corrupt, "inside the package. Re-download it"),
    "wrong pair": (_mislabelled, "the file name says ar→en but its metadata.json says en→fr. Use the right package"),
    "unsafe path": (_unsafe, "unsafe path '../../evil.txt' inside the package. Do not install it"),
    "absolute path": (lambda f: _unsafe(f, "/tmp/evil.txt"), "unsafe path '/tmp/evil.txt' inside the package"),
    "model of zeros": (_zero_model, "Argos ar→en 1.0 cannot translate (EngineFailed: IndexError: variable "),
    "zip bomb": (_bomb, "stanza/padding.bin expands 10"),
    "metadata a list": (lambda f: _metadata(f, '["ar", "en"]'), "metadata.json is not a JSON object"),
    "million-digit version": (_long_version, "package_version must be a version (a string or number of at most 40"),
    "code not a code": (lambda f: _metadata(f, '{"from_code": "ar[/]", "to_code": "en"}'),
                        "metadata.json's from_code must be language codes"),
}


@pytest.mark.parametrize("case", BROKEN_ARCHIVES)
def test_models_from_folder_refuses_a_broken_package_by_name(tmp_path, models, case):
    make, expected = BROKEN_ARCHIVES[case]
    installed = tmp_path / "models"
    shutil.copytree(models, installed)
    before = snapshot(installed)
    folder = tmp_path / "archives"
    folder.mkdir()
    shutil.copy(FIXTURES / "translate-en_fr-test-1.0.argosmodel", folder)
    archive = make(folder)
    run = invoke("models", "--from", str(folder), models=installed)
    assert run.code != 0
    assert f"{archive}: " in run.out and expected in run.out, run.out
    assert "Traceback" not in run.out
    assert snapshot(installed) == before  # nothing installed, nothing half-installed
    assert not (tmp_path / "evil.txt").exists() and not list(installed.glob(".installing-*"))


def test_a_package_past_the_size_setting_is_refused_and_a_strange_version_prints_as_text(tmp_path, models):
    """MIRSAD_MT['package_max_bytes'] (tried low here; the default passes a
    real NLLB-3.3B package) and a version that is rich markup, "[/]", which
    is printed as it is."""
    from pelican.settings import read_settings

    from mirsad.mt.api import PackageError, install_for_site, site_models

    installed = tmp_path / "models"
    shutil.copytree(models, installed)
    before = snapshot(installed)
    folder = tmp_path / "archives"
    folder.mkdir()
    archive = shutil.copy(FIXTURES / "translate-ar_en-test-1.0.argosmodel", folder)
    settings = read_settings(str(ROOT / "pelicanconf.py"), override={
        "MIRSAD_MT": {"models_dir": str(installed), "targets": ["en"], "package_max_bytes": 300_000}})
    with zipfile.ZipFile(archive) as package:
        expanded = sum(member.file_size for member in package.infolist())
    with pytest.raises(PackageError, match=rf"{archive}: the package expands to {expanded} bytes, more than the "
                                           r"300000 allowed.*package_max_bytes"):
        install_for_site(site_models(settings), folder)
    assert snapshot(installed) == before

    Path(archive).unlink()
    _metadata(folder, '{"from_code": "ar", "to_code": "en", "package_version": "[/]"}')
    shutil.copy(FIXTURES / "translate-en_fr-test-1.0.argosmodel", folder)  # the project's other pair
    run = invoke("models", "--from", str(folder), models=installed)
    assert run.code == 0 and "Traceback" not in run.out, run.out
    assert f"installed Argos ar→en [/] into {installed / 'translate-ar_en'}" in run.out
    listed = invoke("models", "--list", models=installed)
    assert listed.code == 0 and "Argos ar→en [/]" in listed.out, listed.out


def _zero_model_installed(package: Path) -> str:
    """What a disk error or a hand copy can leave: zeros, size and time kept (so no hash is taken)."""
    model = package / "model" / "model.bin"
    stat = model.stat()
    model.write_bytes(bytes(stat.st_size))
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return "cannot be loaded (IndexError: variable "


def _truncate_model(package: Path) -> str:
    model = package / "model" / "model.bin"
    model.write_bytes(model.read_bytes()[:100_000])
    return "model/model.bin is damaged"


def _drop_pair(package: Path) -> str:
    metadata = json.loads((package / "metadata.json").read_text())
    del metadata["from_code"]
    (package / "metadata.json").write_text(json.dumps(metadata))
    return "metadata.json has no from_code/to_code"


def _garble_metadata(package: Path) -> str:
    (package / "metadata.json").write_text("{not json")
    return "unreadable metadata.json"


def _swap_pair(package: Path) -> str:
    metadata = json.loads((package / "metadata.json").read_text())
    metadata.update(from_code="en", to_code="fr")
    (package / "metadata.json").write_text(json.dumps(metadata))
    return "the folder is for ar→en but holds a en→fr package"


def _drop_sentencepiece(package: Path) -> str:
    (package / "sentencepiece.model").unlink()
    return "incomplete install, missing sentencepiece.model"


BROKEN_INSTALLS = {"zero-filled model": _zero_model_installed, "truncated model": _truncate_model, "no pair": _drop_pair, "bad json": _garble_metadata,
                   "wrong pair": _swap_pair, "no sentencepiece": _drop_sentencepiece}


@pytest.mark.parametrize("case", BROKEN_INSTALLS)
def test_a_damaged_installed_package_is_named_and_the_build_goes_on(site, models, tmp_path, case):
    installed = tmp_path / "models"
    shutil.copytree(models, installed)
    expected = BROKEN_INSTALLS[case](installed / "translate-ar_en")
    site.briefing("mt", "عنوان", body=FRAGILE)
    built = site.build(MIRSAD_MT={"models_dir": str(installed), "memory": str(tmp_path / "tm.sqlite")},
                       MIRSAD_PDF={"briefings": False, "digest": False})
    package = installed / "translate-ar_en"
    assert any(f"{package}: {expected}" in e and "Reinstall it with `invoke models`" in e for e in built.errors), \
        built.errors
    assert (built.output / "ar/briefings/mt.html").is_file()
    assert built.page("en/briefings/mt.html").find(".//div[@class='provenance provenance--missing']") is not None


def test_a_damaged_installed_package_fails_a_strict_build(project, models, tmp_path):
    installed = tmp_path / "models"
    shutil.copytree(models, installed)
    _truncate_model(installed / "translate-ar_en")
    project.models = installed
    project.write(GOOD)
    before = project.previous_output()
    run = project.build("--strict")
    assert run.code != 0
    assert f"{installed / 'translate-ar_en'}: model/model.bin is damaged" in run.out
    assert "Reinstall it with `invoke models`" in run.out
    assert snapshot(project.output) == before
