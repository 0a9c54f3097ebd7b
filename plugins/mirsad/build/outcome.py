"""Whether an output folder holds a build that finished, for `invoke deploy`.

`invoke build` records in `<cache>/build-outcomes.json`, under the output
folder's path, that a build of that folder started, then that it failed, or
that it succeeded with a fingerprint of the folder's files (names, sizes and
modification times). A file of its own, beside `last-build.json` (which
each Pelican run rewrites whole, whatever folder it builds). A folder is deployable only when its
last build succeeded and the folder has not changed since: a failed or
killed build, a plain `pelican` run into the folder or a hand edit all make
the deploy stop and ask for a build. (Builds into other folders, such as
`invoke bundle`'s, have entries of their own.)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mirsad.common.files import write_atomically

from .inputs import still_holds

RECORD = "build-outcomes.json"


class NotDeployable(Exception):
    """The output folder is not a finished build; the message says why and what to run."""


@dataclass(frozen=True)
class FinishedBuild:
    output: Path
    publish: bool
    finished: str  # when, in UTC (ISO 8601)
    files: int


def fingerprint(output: Path) -> tuple[str, int]:
    """A digest of every file's name, size and modification time, and the number of files."""
    digest = hashlib.sha256()
    count = 0
    for folder, _, names in sorted(os.walk(output)):
        for name in sorted(names):
            path = os.path.join(folder, name)
            status = os.stat(path)
            digest.update(f"{os.path.relpath(path, output)}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
            count += 1
    return digest.hexdigest(), count


def _read(cache: Path) -> dict[str, dict[str, Any]]:
    """Each output folder's outcome; a missing or damaged record holds none."""
    try:
        data = json.loads((cache / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {path: outcome for path, outcome in data.items() if isinstance(outcome, dict)}


def _outcome(cache: Path, output: Path) -> dict[str, Any]:
    return _read(cache).get(str(output), {})


def _write(cache: Path, output: Path, outcome: dict[str, Any]) -> None:
    """Record `outcome` for `output`; folders that are gone (temporary builds) are forgotten.
    A cache folder that cannot be written is the build's to report: at worst
    the record no longer matches the folder, and a deploy asks for a build."""
    outcomes = {path: known for path, known in _read(cache).items() if Path(path).is_dir()}
    outcomes[str(output)] = outcome
    with contextlib.suppress(OSError):
        write_atomically(cache / RECORD, json.dumps(outcomes, indent=1))


def started(cache: Path, output: Path) -> None:
    """A build of `output` began: until it ends, the folder is not deployable."""
    _write(cache, output, {"status": "building"})


def failed(cache: Path, output: Path) -> None:
    _write(cache, output, {"status": "failed"})


def succeeded(cache: Path, output: Path, publish: bool, inputs: str = "", holds_until: str | None = None) -> None:
    """`output` now holds a finished build (call it once the folder is swapped in).
    `inputs`: the fingerprint of what it was built from (inputs.py), and
    until when the output holds if they stay the same (None: not at all)."""
    digest, count = fingerprint(output)
    _write(cache, output, {"status": "succeeded", "publish": publish,
                           "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "files": count,
                           "fingerprint": digest, "inputs": inputs, "holds_until": holds_until})


def up_to_date(cache: Path, output: Path, inputs: str, publish: bool, now: Any) -> bool:
    """The last build of `output` finished from the same `inputs`, its
    output still holds at `now`, and nothing changed the folder since."""
    outcome = _outcome(cache, output.resolve())
    return (outcome.get("status") == "succeeded" and bool(inputs) and outcome.get("inputs") == inputs
            and bool(outcome.get("publish")) == publish and still_holds(outcome.get("holds_until"), now)
            and intact(cache, output))


def intact(cache: Path, output: Path) -> bool:
    """Whether `output` is still exactly what the last, successful build made."""
    try:
        finished_build(cache, output)
    except NotDeployable:
        return False
    return True


def refresh(cache: Path, output: Path) -> None:
    """Record `output` again after a task added files to a finished build (`invoke pdf`, `digest`)."""
    succeeded(cache, output, bool(_outcome(cache, output).get("publish")))


def finished_build(cache: Path, output: Path) -> FinishedBuild:
    """The build `output` holds, if the last build finished it and nothing changed it since."""
    output = output.resolve()
    build = "run `invoke build --publish` (or `invoke publish`)"
    if not output.is_dir():
        raise NotDeployable(f"{output} does not exist: {build} first.")
    outcome = _outcome(cache, output)
    status = outcome.get("status")
    if status is None:
        raise NotDeployable(f"No build of {output} is recorded in {cache / RECORD}: {build} first.")
    if status != "succeeded":
        why = "failed" if status == "failed" else "did not finish (killed, or still running)"
        raise NotDeployable(f"The last build of {output} {why}, as {cache / RECORD} records: nothing is "
                            f"deployed after a failed build; fix it and {build}.")
    digest, count = fingerprint(output)
    if digest != outcome.get("fingerprint"):
        raise NotDeployable(f"{output} changed after the build that finished at {outcome.get('finished')} "
                            f"(a plain `pelican` run or an edit?): {build} again.")
    return FinishedBuild(output, bool(outcome.get("publish")), str(outcome.get("finished")), count)
