"""What the other Mirsad plugins may use of mirsad.build: its other modules
are its own, free to change (tests/test_package.py holds them to this)."""

from . import outcome
from .outcome import FinishedBuild, NotDeployable, finished_build
from .run import (BuildFailed, build_atomically, leftover_staging, preview_of, project_lock, replace_dir, run_pelican,
                  staging_folder)

__all__ = ["BuildFailed", "FinishedBuild", "NotDeployable", "build_atomically", "finished_build", "leftover_staging",
           "outcome", "preview_of", "project_lock", "replace_dir", "run_pelican", "staging_folder"]
