"""tools/check_system.py, which `make build` and `make test` run first: one
apt-get line naming exactly what is missing; a stop for a required piece,
a notice for a recommended one; silence when everything is there."""

from __future__ import annotations

import importlib.util
import re
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REQUIRE_TOOLS, ROOT

SCRIPT = ROOT / "tools" / "check_system.py"


def load_script():
    """tools/check_system.py as a module (not a package: loaded from its file)."""
    spec = importlib.util.spec_from_file_location("check_system", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_system"] = module  # its dataclass looks its module up
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["check_system"]
    return module


@pytest.fixture
def check(monkeypatch):
    """The script as a module, every library and tool present unless a test hides some."""
    module = load_script()
    hidden: set[str] = set()
    real_library, real_tool = module.library_found, module.tool_found
    monkeypatch.setattr(module, "library_found", lambda *names: not hidden & set(names) and bool(names))
    monkeypatch.setattr(module, "tool_found", lambda *names, env="": not hidden & set(names))
    monkeypatch.setattr(module, "venv_available", lambda: "venv" not in hidden)
    module.hidden, module.real_library, module.real_tool = hidden, real_library, real_tool
    return module


def run(check, target: str, capsys) -> tuple[int, list[str]]:
    code = check.main([target])
    return code, capsys.readouterr().err.splitlines()


def install_line(lines: list[str]) -> list[str]:
    """The packages of the one apt-get line."""
    commands = [line for line in lines if "apt-get install" in line]
    assert len(commands) == 1, lines
    return commands[0].split("apt-get install", 1)[1].split()


def test_silent_when_everything_is_there(check, capsys):
    for target in ("build", "test"):
        assert run(check, target, capsys) == (0, [])


def test_missing_pango_stops_the_build_with_one_install_line(check, capsys):
    check.hidden.update(check.PANGO + check.PANGOFT2)
    code, lines = run(check, "build", capsys)
    assert code == 1
    assert install_line(lines) == ["libpango-1.0-0", "libpangoft2-1.0-0"]
    assert "stopped" in lines[0] and "Pango" in lines[0]


def test_missing_harfbuzz_subset_is_a_notice_and_the_build_goes_on(check, capsys):
    check.hidden.update(check.HARFBUZZ_SUBSET)
    code, lines = run(check, "build", capsys)
    assert code == 0
    assert install_line(lines) == ["libharfbuzz-subset0"]
    assert "recommended" in lines[0] and "going on" in lines[0]


def test_required_and_recommended_share_the_one_line(check, capsys):
    check.hidden.update({*check.PANGO, *check.HARFBUZZ_SUBSET, "java", "pdffonts", "venv"})
    code, lines = run(check, "test", capsys)
    assert code == 1
    assert install_line(lines) == ["python3-venv", "libpango-1.0-0", "libharfbuzz-subset0",
                                   "default-jre-headless", "poppler-utils"]


def test_tools_only_matter_to_the_tests(check, capsys):
    check.hidden.update({"chromium", "chromium-browser", "java", "pdftotext", "npm", "rsync", "sshd",
                         "/usr/sbin/sshd"})
    assert run(check, "build", capsys) == (0, [])
    code, lines = run(check, "test", capsys)
    assert code == 1
    assert install_line(lines) == ["chromium", "default-jre-headless", "poppler-utils", "npm", "rsync",
                                   "openssh-server"]


def test_libraries_are_found_the_way_cffi_dlopen_finds_them(check):
    assert check.real_library("c")  # find_library("c") -> libc.so.6
    assert check.real_library("libc.so.6")  # a file name: dlopen()ed as it is
    assert not check.real_library("libno-such-library-0", "no-such-library.so.0")


def test_names_are_the_ones_weasyprint_loads():
    """If WeasyPrint changes its library names (weasyprint/text/ffi.py), the check follows."""
    spec = importlib.util.find_spec("weasyprint.text.ffi")
    source = Path(spec.origin).read_text(encoding="utf-8")
    module = load_script()
    for variable, ours in (("pango", module.PANGO), ("pangoft2", module.PANGOFT2),
                           ("harfbuzz_subset", module.HARFBUZZ_SUBSET)):
        call = re.search(rf"^{variable} = _dlopen\((.*?)\)$", source, re.M | re.S).group(1)
        theirs = [name for name in re.findall(r"'([^']+)'", call) if not name.endswith(".dll")]
        assert list(ours) == theirs, variable


def test_runs_with_the_standard_library_only_and_stops_without_tools(tmp_path):
    # -I -S: no site-packages, as the system python3 before .venv exists.
    env = {"PATH": str(tmp_path)}  # no command at all
    result = subprocess.run([sys.executable, "-I", "-S", str(SCRIPT), "test"], env=env,
                            capture_output=True, text=True)
    assert result.returncode == 1, result.stderr
    packages = install_line(result.stderr.splitlines())
    assert {"chromium", "default-jre-headless", "poppler-utils", "npm", "rsync"} <= set(packages)


def test_make_checks_the_system_before_anything_else():
    if shutil.which("make") is None:
        pytest.skip("make not installed")
    for target in ("build", "test"):
        # A make of its own, not a sub-make of the one running the tests (which prints "Entering directory").
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
        commands = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True,
                                  check=True, env=env).stdout.splitlines()
        assert commands[0].endswith(f"tools/check_system.py {target}"), commands


@pytest.mark.skipif(not REQUIRE_TOOLS, reason="CI only (MIRSAD_REQUIRE_TOOLS=1): .ci/run installs everything")
def test_ci_machine_passes_the_check_silently():
    result = subprocess.run([sys.executable, "-I", "-S", str(SCRIPT), "test"], capture_output=True,
                            text=True, cwd=ROOT)
    assert (result.returncode, result.stderr) == (0, "")
