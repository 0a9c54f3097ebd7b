"""What the other Mirsad plugins may use of mirsad.build: its other modules
are its own, free to change (tests/test_package.py holds them to this)."""

from . import outcome
from .inputs import fingerprint as inputs_fingerprint
from .inputs import holds_until
from .outcome import FinishedBuild, NotDeployable, finished_build
from .run import (BuildFailed, build_atomically, leftover_staging, preview_of, project_lock, replace_dir, run_pelican,
                  staging_folder)

__all__ = ["BuildFailed", "FinishedBuild", "NotDeployable", "build_atomically", "finished_build", "holds_until", "inputs_fingerprint", "leftover_staging",
           "outcome", "preview_of", "project_lock", "replace_dir", "run_pelican", "staging_folder"]
