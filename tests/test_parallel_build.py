"""A build on several cores (MIRSAD_JOBS) makes the same site as on one:
key points are computed in a pool of processes, the search indexes in
another process while the pages are written, and the pages rendered in a
pool. Compiled templates are kept between builds, and a template edit still
shows on the next build."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment
from pelican.writers import FileOverwriteFailedError

from conftest import ROOT, SiteMaker
from mirsad.build.templates import compile_options
from mirsad.build.writer import ParallelWriter
from mirsad.common.workers import map_parallel
from mirsad.summary import lexrank

SITE_ONLY = ["mirsad.build", "mirsad.markdown", "mirsad.i18n", "mirsad.mt", "mirsad.summary", "mirsad.search"]


def sentences() -> list[str]:
    text = (ROOT / "content" / "briefings" / "isis-sirte.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]
    return [line.strip() for line in text.split(".") if len(line.split()) > 4]


def many_briefings(site: SiteMaker, count: int = 24) -> None:
    """Enough briefings for every pool to fork (summaries fork from 16)."""
    found = sentences()
    for number in range(count):
        body = "\n\n".join(f"{found[(number + k) % len(found)]} {number}." for k in range(5))
        site.briefing(f"b{number}", f"موجز رقم {number}", body=body, tags=f"[ليبيا, وسم{number % 4}]",
                      date=f"2017-01-{1 + number % 28:02d} 10:00")


def files_of(output: Path) -> dict[str, bytes]:
    return {path.relative_to(output).as_posix(): path.read_bytes() for path in sorted(output.rglob("*"))
            if path.is_file()}


@pytest.mark.fresh_process  # forks need a process with one thread
def test_a_build_on_two_cores_writes_the_same_site_as_on_one(tmp_path):
    sites = {}
    for jobs in (1, 2):
        site = SiteMaker(tmp_path / f"jobs{jobs}")
        many_briefings(site)
        built = site.build(MIRSAD_JOBS=jobs, PLUGINS=SITE_ONLY)
        assert not built.errors, built.errors
        sites[jobs] = files_of(built.output)
    assert len(sites[1]) > 100
    assert sites[1].keys() == sites[2].keys()
    differing = [name for name in sites[1] if sites[1][name] != sites[2][name]]
    assert not differing
    page = sites[2]["ar/briefings/b3.html"].decode()
    assert 'class="summary' in page and "موجز رقم 3" in page


def test_pages_asked_for_twice_fail_as_in_pelican(tmp_path):
    writer = ParallelWriter(str(tmp_path), settings={"MIRSAD_JOBS": 2})
    template = Environment(loader=DictLoader({"page": "{{ text }}"})).get_template("page")
    writer.write_file("a.html", template, {}, text="one")
    with pytest.raises(FileOverwriteFailedError, match="a.html"):
        writer.write_file("a.html", template, {}, text="two")
    writer.write_pending()
    assert (tmp_path / "a.html").read_text() == "one"


@pytest.mark.fresh_process  # forks need a process with one thread
def test_pages_are_written_in_the_build_process_when_a_worker_dies(tmp_path, caplog):
    parent = os.getpid()

    def only_here() -> str:
        if os.getpid() != parent:
            os._exit(1)  # a worker killed while rendering (out of memory, a crash in native code)
        time.sleep(0.02)  # the build's process takes pages too: slow enough that the worker gets some
        return "written"

    env = Environment(loader=DictLoader({"page": "{{ only_here() }} {{ n }}"}))
    env.globals["only_here"] = only_here
    writer = ParallelWriter(str(tmp_path), settings={"MIRSAD_JOBS": 2})
    for number in range(8):
        writer.write_file(f"p{number}.html", env.get_template("page"), {}, n=number)
    writer.write_pending()
    assert [(tmp_path / f"p{n}.html").read_text() for n in range(8)] == [f"written {n}" for n in range(8)]
    assert "a page-writing process died" in caplog.text


@pytest.mark.fresh_process  # forks need a process with one thread
def test_two_jobs_are_the_build_process_and_one_forked_worker():
    # The build's process would only wait for its workers: it takes chunks
    # of the work as they do.
    def whose(number: int) -> tuple[int, int]:
        time.sleep(0.01)
        return number, os.getpid()

    results = map_parallel(whose, range(40), jobs=2)
    assert [number for number, _ in results] == list(range(40))
    processes = {pid for _, pid in results}
    assert os.getpid() in processes and len(processes) == 2


def test_an_edited_template_shows_on_the_next_build(site, tmp_path):
    import shutil

    shutil.copytree(ROOT / "themes" / "mirsad", tmp_path / "theme")
    site.briefing("alpha", "عنوان", body="نص الموجز الأول.")
    built = site.build(THEME=str(tmp_path / "theme"), PLUGINS=SITE_ONLY)
    assert list((site.root / "cache" / "templates").glob("*.jinja"))  # compiled templates kept
    template = tmp_path / "theme" / "templates" / "article.html"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "{% block content %}", '{% block content %}<p id="edited">edited</p>', 1), encoding="utf-8")
    assert 'id="edited"' not in built.text("ar/briefings/alpha.html")
    built = site.build(THEME=str(tmp_path / "theme"), PLUGINS=SITE_ONLY)
    assert 'id="edited"' in built.text("ar/briefings/alpha.html")


def test_the_build_process_exits_without_collecting_the_objects_it_made(site):
    """The interpreter's last collections would walk every object the build
    made, so the build freezes the collector when its process exits. The check
    is registered before the build starts, so it runs after the build's
    exit handlers."""
    site.briefing("alpha", "عنوان", body="نص الموجز الأول.")
    check = ("import atexit, gc, sys\n"
             "atexit.register(lambda: print('frozen:', gc.get_freeze_count() > 0))\n"
             "from pelican import main\n"
             "main(sys.argv[1:])\n")
    settings = {"PLUGINS": SITE_ONLY, "MIRSAD_PROJECT_ROOT": str(site.root),
                "MIRSAD_MT": {"models_dir": str(site.root / "no-models")}}
    done = subprocess.run([sys.executable, "-c", check, str(site.content), "-s", str(ROOT / "pelicanconf.py"),
                           "-o", str(site.root / "output"), "--cache-path", str(site.root / "cache"), "-q",
                           "-e", *[f"{key}={json.dumps(value)}" for key, value in settings.items()]],
                          cwd=site.root, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (site.root / "output" / "ar" / "briefings" / "alpha.html").exists()
    assert done.stdout.splitlines()[-1] == "frozen: True"


def test_compiled_templates_are_not_shared_between_environments_that_compile_differently():
    plain = Environment()
    assert compile_options(plain) == compile_options(Environment())
    assert compile_options(plain) != compile_options(Environment(trim_blocks=True))
    assert compile_options(plain) != compile_options(Environment(autoescape=True))
    assert compile_options(plain) != compile_options(Environment(extensions=["jinja2.ext.i18n"]))


def test_pagerank_favours_the_sentence_the_others_support():
    # 0 is similar to 1, 2 and 3, which share nothing with each other; 4 shares nothing at all.
    weights = [[0, .5, .5, .5, 0], [.5, 0, 0, 0, 0], [.5, 0, 0, 0, 0], [.5, 0, 0, 0, 0], [0, 0, 0, 0, 0]]
    scores = lexrank.pagerank(weights, [1.0] * 5, alpha=0.85)
    assert sum(scores) == pytest.approx(1.0)
    assert max(range(5), key=scores.__getitem__) == 0
    assert scores[1] == pytest.approx(scores[2]) == pytest.approx(scores[3])
    # With the graph given no weight, the ranking is the prior.
    assert lexrank.pagerank(weights, [1, 2, 3, 4, 10], alpha=0.0) == pytest.approx([.05, .1, .15, .2, .5])
    with pytest.raises(lexrank.RankingError):
        lexrank.pagerank(weights, [1.0] * 5, alpha=0.99, max_iterations=1)


def test_similarities_are_cosines_of_tfidf_vectors():
    matrix = lexrank.similarities([["سرت", "داعش"], ["سرت", "داعش"], ["طرابلس"], []])
    assert matrix[0][1] == pytest.approx(1.0) and matrix[1][0] == pytest.approx(1.0)
    assert matrix[0][2] == matrix[2][3] == matrix[3][0] == 0.0
    assert [matrix[i][i] for i in range(4)] == [0.0] * 4


def test_pages_are_rendered_in_one_pool_at_the_end(tmp_path, monkeypatch):
    # Pelican asks for pages its settings turn off (an empty save_as) between
    # the others; they must not make the writer render what it holds early.
    writer = ParallelWriter(str(tmp_path), settings={"MIRSAD_JOBS": 2})
    flushes = []
    monkeypatch.setattr(writer, "write_pending", lambda: flushes.append(len(writer._pending)))
    template = Environment(loader=DictLoader({"page": "{{ n }}"})).get_template("page")
    for number in range(6):
        writer.write_file(f"p{number}.html", template, {}, n=number)
        writer.write_file("", template, {}, n=number)
    assert flushes == [] and len(writer._pending) == 6
