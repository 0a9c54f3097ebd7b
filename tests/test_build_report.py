"""The build's output stays readable on a large archive (issue 32, "reports
that scale"): a warning repeated for every file is printed a few times
while the build runs, then only counted; the end-of-build summary gives
the count, how many were not shown, and the first files. Through the real
`invoke build`, whose output is what the user reads."""

from __future__ import annotations

from conftest import briefing
from invoke_project import InvokeProject

from mirsad.common.buildlog import SHOWN_WHILE_BUILDING

COUNT = 8
NEW_TAG = "وسم-جديد"  # in no taxonomy.yml: one warning naming every briefing that uses it


def test_a_warning_for_every_file_is_printed_three_times_and_counted_in_the_summary(tmp_path):
    project = InvokeProject(tmp_path / "project", briefings=("libya-oil-output",), translations=False)
    translations = project.content / "translations"
    translations.mkdir()
    for n in range(COUNT):
        (project.content / "briefings" / f"b{n}.md").write_text(
            briefing(f"عنوان {n}", date="2017-01-25 10:00", slug=f"b{n}", tags=f"[{NEW_TAG}]"), encoding="utf-8")
        # Reviewed, without source_hash: one warning per file.
        (translations / f"b{n}.en.md").write_text(
            briefing(f"Title {n}", "Text.", translator="A. Editor", reviewed="2017-02-01"), encoding="utf-8")

    run = project.run("build")
    assert run.code == 0, run.out[-3000:]
    lines = run.out.splitlines()

    assert SHOWN_WHILE_BUILDING == 3
    printed = [line for line in lines if "has no source_hash" in line and line.startswith("WARNING")]
    assert len(printed) == 3, run.out[-6000:]
    [summary] = [line for line in lines if "has no source_hash" in line and "warning ×" in line]
    assert "warning ×8 (5 not shown above): mirsad_i18n: " in summary and "and 7 more like it" in summary
    assert "(5 more files)" in summary
    assert "Summary: 0 errors" in run.out

    [unlisted] = [line for line in lines if f"'{NEW_TAG}' is not in taxonomy.yml" in line
                  and line.startswith("WARNING")]
    assert "and 5 more)" in unlisted
    assert len([n for n in range(COUNT) if f"briefings/b{n}.md" in unlisted]) == 3
