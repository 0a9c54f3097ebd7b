"""Mirsad is one installed package, `mirsad`, whose plugins register in the
order they must run: `PLUGINS = ["mirsad"]`, or some of them listed in that
order (plugins/mirsad/plugins.py). Pelican finds it in plugins/
(PLUGIN_PATHS), installed or not."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from lxml import html

import mirsad
from mirsad.plugins import ORDER, PluginOrderError

ROOT = Path(__file__).resolve().parents[1]


def test_the_package_is_the_installed_one_from_plugins():
    assert Path(mirsad.__file__).resolve().parent == ROOT / "plugins" / "mirsad"
    from importlib.metadata import distribution

    assert distribution("mirsad").metadata["Name"] == "mirsad"


def test_no_file_of_the_project_edits_sys_path_but_the_plugin_loader():
    """mirsad.plugins.importable_by_name: a package loaded from PLUGIN_PATHS
    must stay importable by name in the processes it spawns."""
    files = [ROOT / "pelicanconf.py", ROOT / "publishconf.py", ROOT / "tasks.py",
             *(ROOT / "plugins").rglob("*.py"), *(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py"),
             *(ROOT / "tools").rglob("*.py")]
    edits = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "path" and getattr(node.value, "id", "") == "sys":
                edits.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert {edit.split(":")[0] for edit in edits} == {"plugins/mirsad/plugins.py"}


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
    for path in (ROOT / "plugins" / "mirsad").rglob("*.py"):
        parts = path.relative_to(ROOT / "plugins").with_suffix("").parts
        if len(parts) < 3:
            continue  # mirsad/__init__.py, mirsad/plugins.py
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("mirsad."):
                target = node.module.split(".")
                if target[1] not in SHARED | {parts[1]} and target[2:] != ["api"]:
                    strays.append(f"{'/'.join(parts)}.py:{node.lineno} imports {node.module}")
    assert strays == []


def test_engines_and_models_are_kept_from_every_module_of_the_pipeline():
    """The import contract that keeps mirsad.mt.engines and .models from the
    pipeline names the pipeline's modules one by one: a new one must be added."""
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    forbidden = next(contract["forbidden_modules"] for contract in contracts["contracts"]
                     if contract.get("source_modules") == ["mirsad.mt.engines", "mirsad.mt.models"])
    pipeline = sorted(f"mirsad.mt.{path.stem}" for path in (ROOT / "plugins" / "mirsad" / "mt").glob("*.py")
                      if path.stem != "__init__")
    assert sorted(forbidden) == pipeline


def test_a_clone_builds_with_plain_pelican_without_the_package_installed(tmp_path):
    """`pelican content` in a clone where Pelican is importable but mirsad is
    not installed: PLUGIN_PATHS finds the plugins, and the translation
    engine's spawned process finds them too."""
    import os
    import shutil
    import subprocess
    import sys
    import sysconfig

    from pelican.settings import read_settings

    from mirsad.tasks.models import install_for_site

    clone = tmp_path / "clone"
    clone.mkdir()
    shutil.copy(ROOT / "pelicanconf.py", clone)
    for folder in ("plugins", "themes"):
        shutil.copytree(ROOT / folder, clone / folder, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    briefings = clone / "content" / "briefings"
    briefings.mkdir(parents=True)
    (briefings / "mt.md").write_text('---\ntitle: "داعش لا يزال نشطا في سرت."\ndate: 2017-01-25 10:00\n'
                                     'slug: mt\n---\n\nالوضع الأمني في ليبيا لا يزال هشا.\n', encoding="utf-8")
    models = tmp_path / "models"
    archives = tmp_path / "archives"
    archives.mkdir()
    for pair in ("ar_en", "en_fr"):
        shutil.copy(ROOT / "tests" / "fixtures" / "models" / f"translate-{pair}-test-1.0.argosmodel", archives)
    install_for_site(read_settings(str(ROOT / "pelicanconf.py"), override={"MIRSAD_MT": {"models_dir": str(models)}}),
                     archives)
    # -S: no .pth file is read, so the editable install of mirsad is not seen;
    # the virtual environment's packages (Pelican ...) are, through PYTHONPATH.
    env = {**os.environ, "PYTHONPATH": sysconfig.get_paths()["purelib"], "MIRSAD_MODELS_DIR": str(models)}
    python = [sys.executable, "-S"]
    assert subprocess.run([*python, "-c", "import mirsad"], cwd=tmp_path, env=env).returncode != 0
    done = subprocess.run([*python, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", "out",
                           "-e", 'MIRSAD_PDF={"briefings": false, "digest": false}'],
                          cwd=clone, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    page = html.fromstring((clone / "out" / "en" / "briefings" / "mt.html").read_bytes())
    assert page.findtext(".//h1") == "ISIS is still active in Sirte."
    assert "The security situation in Libya remains fragile." in page.text_content()
