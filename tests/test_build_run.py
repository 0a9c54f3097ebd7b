"""mirsad.build.run, the orchestration `invoke build` uses, tested without
a subprocess: one build per project at a time, a staging folder beside the
target, and a swap that either replaces the whole site or leaves it as it
was. (Whole builds killed at random moments: tests/test_crash_safety.py.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mirsad.build.run import BuildFailed, build_atomically, project_lock, staging_folder


def site(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(text)
    return folder


def test_a_finished_build_replaces_the_whole_site(tmp_path):
    target = site(tmp_path / "output", "old")
    (target / "gone.html").write_text("a page the new build no longer makes")
    build_atomically(target, lambda staging: site(staging, "new"))
    assert sorted(path.name for path in target.iterdir()) == [".mirsad-output", "index.html"]  # marked as Mirsad's
    assert (target / "index.html").read_text() == "new"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["output"]  # no staging, no .old


def test_a_failed_build_leaves_the_site_as_it_was_and_no_staging_folder(tmp_path):
    target = site(tmp_path / "output", "old")

    def fails(staging: Path) -> None:
        site(staging, "half")
        raise BuildFailed("Build failed (pelican exit 1)", code=1)

    with pytest.raises(BuildFailed, match="pelican exit 1"):
        build_atomically(target, fails)
    assert (target / "index.html").read_text() == "old"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["output"]


def test_a_full_disk_is_a_build_failure_naming_the_site(tmp_path):
    target = site(tmp_path / "output", "old")

    def no_space(staging: Path) -> None:
        raise OSError(28, "No space left on device", str(staging / "index.html"))

    with pytest.raises(BuildFailed, match=rf"{target} is left as it was"):
        build_atomically(target, no_space)
    assert (target / "index.html").read_text() == "old"


def test_the_next_build_cleans_up_after_a_killed_one(tmp_path):
    """Killed during the swap: the old site is in output.old and output is
    gone; killed while building: its staging folder is left."""
    site(tmp_path / "output.old", "old")
    site(tmp_path / ".output-abc123xy", "half")
    site(tmp_path / ".output-backup", "someone else's")
    staging = staging_folder(tmp_path / "output")
    assert (tmp_path / "output" / "index.html").read_text() == "old"
    assert not (tmp_path / ".output-abc123xy").exists()
    assert (tmp_path / ".output-backup" / "index.html").read_text() == "someone else's"  # not a staging folder's name
    assert staging.parent == tmp_path and not list(staging.iterdir())
    assert oct(staging.stat().st_mode & 0o777) == oct(0o777 & ~_umask())


def test_one_build_at_a_time_and_the_message_names_the_running_one(tmp_path):
    lock_file = tmp_path / ".build.lock"
    with project_lock(lock_file):
        with pytest.raises(BuildFailed, match=rf"Another build of this project is running \(pid {os.getpid()}\)"):
            with project_lock(lock_file):
                pass
    with project_lock(lock_file):  # released with the first
        pass


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
