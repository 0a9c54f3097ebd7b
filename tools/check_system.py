#!/usr/bin/env python3
"""Check the system libraries and tools `make build` / `make test` need.

Prints nothing when everything is there. Otherwise one line says what is
missing and one `apt-get install` line names exactly the Debian packages to
install; the exit status is 1 if a required piece is missing (make stops),
0 if only recommended ones are (a notice; the build goes on).

Runs with the system python3 before .venv exists: standard library only.
Libraries are looked up the way WeasyPrint finds them (cffi's dlopen of the
names in weasyprint/text/ffi.py), tools with shutil.which, as the tests do.

Usage:  python3 tools/check_system.py build|test
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@dataclass(frozen=True)
class Need:
    what: str  # how the message names it
    package: str  # the Debian package that provides it
    why: str
    required: bool
    found: Callable[[], bool]


def library_found(*names: str) -> bool:
    """Whether one of `names` loads, tried like cffi's FFI.dlopen (which
    WeasyPrint calls): a name with a dot or slash is dlopen()ed as it is,
    then ctypes.util.find_library resolves it."""
    for name in names:
        if "." in name or "/" in name:
            try:
                ctypes.CDLL(name)
                return True
            except OSError:
                pass
        path = ctypes.util.find_library(name)
        if path is not None:
            try:
                ctypes.CDLL(path)
                return True
            except OSError:
                pass
    return False


def tool_found(*names: str, env: str = "") -> bool:
    """Whether one of the commands `names` (alternatives) is on PATH, or the
    command the environment variable `env` names (as the tests look it up)."""
    if env and os.environ.get(env):
        return shutil.which(os.environ[env]) is not None
    return any(shutil.which(name) for name in names)


def venv_available() -> bool:
    """`python3 -m venv` needs ensurepip, which Debian ships in python3-venv;
    only checked while .venv does not exist yet (make creates it)."""
    venv_python = os.path.join(ROOT, ".venv", "bin", "python")
    return os.path.exists(venv_python) or importlib.util.find_spec("ensurepip") is not None


# The names WeasyPrint 70 tries (weasyprint/text/ffi.py); the other libraries
# it loads (GObject, HarfBuzz, Fontconfig) are dependencies of libpango-1.0-0.
PANGO = ("libpango-1.0-0", "pango-1.0-0", "pango-1.0", "libpango-1.0.so.0", "libpango-1.0.dylib")
PANGOFT2 = ("libpangoft2-1.0-0", "pangoft2-1.0-0", "pangoft2-1.0", "libpangoft2-1.0.so.0",
            "libpangoft2-1.0.dylib")
HARFBUZZ_SUBSET = ("libharfbuzz-subset-0", "harfbuzz-subset", "harfbuzz-subset-0.0",
                   "libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib")

BUILD = (
    Need("python3 -m venv", "python3-venv", "creates .venv", True, lambda: venv_available()),
    Need("Pango", "libpango-1.0-0", "WeasyPrint: PDF layout", True,
         lambda: library_found(*PANGO)),
    Need("PangoFT2", "libpangoft2-1.0-0", "WeasyPrint: fonts", True,
         lambda: library_found(*PANGOFT2)),
    Need("HarfBuzz-Subset", "libharfbuzz-subset0",
         "fast font subsetting in PDFs; slower fontTools without it", False,
         lambda: library_found(*HARFBUZZ_SUBSET)),
)
TEST = BUILD + (
    Need("chromium", "chromium", "browser tests", True,
         lambda: tool_found("chromium", "chromium-browser", env="MIRSAD_CHROMIUM")),
    Need("java", "default-jre-headless", "Nu Html Checker", True,
         lambda: tool_found("java")),
    Need("pdftotext, pdffonts", "poppler-utils", "PDF tests", True,
         lambda: tool_found("pdftotext") and tool_found("pdffonts")),
    Need("npm", "npm", "npm ci, for the tests", True,
         lambda: tool_found("npm")),
    Need("rsync", "rsync", "deploy tests", True,
         lambda: tool_found("rsync")),
    Need("g++, cmake", "g++ cmake", "compiling llama-cpp-python's server for the LLM tests", True,
         lambda: tool_found("g++") and tool_found("cmake")),
    # sbin is not on every user's PATH: the tests also look in /usr/sbin
    Need("sshd", "openssh-server", "deploy tests over SSH", True,
         lambda: tool_found("sshd", "/usr/sbin/sshd")),
)
TARGETS = {"build": BUILD, "test": TEST}


def missing(needs: tuple[Need, ...]) -> list[Need]:
    return [need for need in needs if not need.found()]


def message(target: str, absent: list[Need]) -> str:
    """What is missing, and the one command that installs all of it."""
    required = [need for need in absent if need.required]
    recommended = [need for need in absent if not need.required]
    parts = []
    if required:
        parts.append(f"`make {target}` needs " + ", ".join(f"{n.what} ({n.why})" for n in required))
    if recommended:
        parts.append("recommended: " + ", ".join(f"{n.what} ({n.why})" for n in recommended))
    verdict = "stopped" if required else "going on"
    sudo = "" if hasattr(os, "geteuid") and os.geteuid() == 0 else "sudo "
    packages = " ".join(dict.fromkeys(need.package for need in absent))
    return (f"check_system: {'; '.join(parts)}; {verdict}. Install with:\n"
            f"  {sudo}apt-get install {packages}")


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in TARGETS:
        print(f"usage: {os.path.basename(sys.argv[0])} {'|'.join(TARGETS)}", file=sys.stderr)
        return 2
    absent = missing(TARGETS[argv[0]])
    if not absent:
        return 0
    print(message(argv[0], absent), file=sys.stderr)
    return 1 if any(need.required for need in absent) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
