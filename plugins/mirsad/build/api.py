"""What the other Mirsad plugins may use of mirsad.build: its other modules
are its own, free to change (tests/test_package.py holds them to this)."""

from .run import BuildFailed, build_atomically, leftover_staging, project_lock, replace_dir, run_pelican, staging_folder

__all__ = ["BuildFailed", "build_atomically", "leftover_staging", "project_lock", "replace_dir", "run_pelican",
           "staging_folder"]
