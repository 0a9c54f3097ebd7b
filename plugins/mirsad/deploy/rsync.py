"""Deploy to a folder or over SSH (`user@host:path`) with rsync: files
compared by checksum, never by time; deletes last, and only of names the
target's manifest lists. SSH options (port, key) come from ~/.ssh/config or
$RSYNC_RSH, as for any rsync."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from .files import MANIFEST, LocalFile, manifest_bytes, parse_manifest
from .plan import DeployError, Plan, StagedTarget

# --out-format: the itemised change ("<f+++++++++" sent, "*deleting"), then the name.
CHANGE = re.compile(r"^(\S+)\s+(.*)$")


def is_remote(destination: str) -> bool:
    """rsync's own rule: a colon before the first slash names a host (or rsync://)."""
    head = destination.split("/", 1)[0]
    return destination.startswith("rsync://") or ":" in head


class RsyncTarget(StagedTarget):
    def __init__(self, destination: str, output: Path):
        if shutil.which("rsync") is None:
            raise DeployError("rsync is not installed: install it (Debian: apt-get install rsync) to deploy to "
                              f"{destination}.")
        self.remote = is_remote(destination)
        if not self.remote:
            folder = Path(destination).expanduser().resolve()
            if folder == output or output in folder.parents or folder in output.parents:
                raise DeployError(f"{folder} is the build's own folder, or inside it or around it: deploy to "
                                  "another folder.")
            destination = str(folder)
        self.destination = destination.rstrip("/") + "/"
        self.where = destination
        self.output = output

    def rsync(self, *arguments: str, names: list[str] | None = None, source: str = "") -> list[str]:
        """Run rsync (its errors go to the terminal); the itemised lines it printed."""
        command = ["rsync", "--checksum", "--mkpath", "--out-format=%i %n", *arguments]
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".list") as listing:
            if names is not None:
                listing.write("\0".join(names))
                listing.flush()
                command += ["--from0", f"--files-from={listing.name}"]
            command += [source or f"{self.output}/", self.destination]
            done = subprocess.run(command, stdout=subprocess.PIPE, text=True)
        if done.returncode:
            raise DeployError(f"rsync to {self.where} failed (exit {done.returncode}; its message is above). "
                              "Nothing was deleted; run the deploy again once the cause is fixed.")
        return done.stdout.splitlines()

    def read_manifest(self) -> dict[str, dict[str, Any]]:
        where = f"{self.destination}{MANIFEST}"
        if not self.remote:
            path = Path(where)
            return parse_manifest(path.read_bytes() if path.is_file() else None, where)
        with tempfile.TemporaryDirectory() as folder:
            fetched = Path(folder) / MANIFEST
            done = subprocess.run(["rsync", "--ignore-missing-args", where, f"{folder}/"])
            if done.returncode:
                raise DeployError(f"rsync could not read {where} (exit {done.returncode}; its message is above): "
                                  "check the host, the path and your SSH access (~/.ssh/config, $RSYNC_RSH).")
            return parse_manifest(fetched.read_bytes() if fetched.exists() else None, where)

    def plan(self, files: dict[str, LocalFile]) -> Plan:
        before = self.read_manifest()
        changed = {match[2] for line in self.rsync("--dry-run", names=list(files))
                   if (match := CHANGE.match(line)) and match[1][1:2] == "f" and match[1][0] in "<>"}
        return Plan(uploads=[file for name, file in files.items() if name in changed],
                    unchanged=[name for name in files if name not in changed],
                    deletes=sorted(name for name in before if name not in files), before=before)

    def upload(self, files: list[LocalFile]) -> dict[str, dict[str, Any]]:
        self.rsync(names=[file.name for file in files])
        return {file.name: file.entry() for file in files}

    def delete(self, names: list[str]) -> int:
        # Names absent from the build become deletions on the target (--delete-missing-args).
        lines = self.rsync("--delete-missing-args", names=names)
        return sum(line.startswith("*deleting") for line in lines)

    def write_manifest(self, entries: dict[str, dict[str, Any]]) -> None:
        with tempfile.TemporaryDirectory() as folder:
            (Path(folder) / MANIFEST).write_bytes(manifest_bytes(entries))
            self.rsync(names=[MANIFEST], source=f"{folder}/")
