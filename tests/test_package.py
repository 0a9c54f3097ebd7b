"""Mirsad is one installed package, `mirsad`, whose plugins register in the
order they must run: `PLUGINS = ["mirsad"]`, or some of them listed in that
order (src/mirsad/plugins.py)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mirsad
from mirsad.plugins import ORDER, PluginOrderError

ROOT = Path(__file__).resolve().parents[1]


def test_the_package_is_the_installed_one_from_src():
    assert Path(mirsad.__file__).resolve().parent == ROOT / "src" / "mirsad"
    from importlib.metadata import distribution

    assert distribution("mirsad").metadata["Name"] == "mirsad"


def test_no_file_of_the_project_edits_sys_path():
    files = [ROOT / "pelicanconf.py", ROOT / "publishconf.py", ROOT / "tasks.py",
             *(ROOT / "src").rglob("*.py"), *(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py"),
             *(ROOT / "tools").rglob("*.py")]
    edits = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "path" and getattr(node.value, "id", "") == "sys":
                edits.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert edits == []


def test_the_plugins_listed_one_by_one_in_their_order_build_the_site(site):
    site.briefing("one", "داعش لا يزال نشطا في سرت.")
    built = site.build(PLUGINS=list(ORDER))
    assert built.errors == []
    assert built.page("ar/briefings/one.html").findtext(".//h1") == "داعش لا يزال نشطا في سرت."


def test_plugins_listed_out_of_order_stop_the_build_with_the_order_to_write(site):
    site.briefing("one", "عنوان")
    with pytest.raises(PluginOrderError) as refused:
        site.build(PLUGINS=["mirsad.markdown", "mirsad.mt", "mirsad.i18n"])
    message = str(refused.value)
    assert "'mirsad.mt' out of order" in message
    assert "['mirsad.markdown', 'mirsad.i18n', 'mirsad.mt']" in message and "pelicanconf.py" in message
    assert not (site.root / "output").exists()


def test_the_whole_package_and_one_of_its_plugins_at_once_is_refused(site):
    site.briefing("one", "عنوان")
    with pytest.raises(PluginOrderError, match="keep 'mirsad' alone"):
        site.build(PLUGINS=["mirsad", "mirsad.pdf"])


SHARED = {"common", "text", "plugins"}  # the plugins' libraries, and their registry (when_enabled)


def test_a_plugin_uses_another_only_through_its_public_module():
    """mirsad.<plugin>.<module> is the plugin's own; the others import its
    `api` module (or the shared mirsad.common and mirsad.text)."""
    strays = []
    for path in (ROOT / "src" / "mirsad").rglob("*.py"):
        parts = path.relative_to(ROOT / "src").with_suffix("").parts
        if len(parts) < 3:
            continue  # mirsad/__init__.py, mirsad/plugins.py
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("mirsad."):
                target = node.module.split(".")
                if target[1] not in SHARED | {parts[1]} and target[2:] != ["api"]:
                    strays.append(f"{'/'.join(parts)}.py:{node.lineno} imports {node.module}")
    assert strays == []
