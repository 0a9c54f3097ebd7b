"""What every deploy target shares: the plan (what to upload, what to
delete, what is unchanged), the delete limit, the dry run, and the order a
target applies a plan in so that an interrupted deploy converges on the
next run and never loses track of a file it uploaded."""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .files import ASSET, FEED, PAGE, LocalFile, kind

class DeployError(Exception):
    """A deploy could not be done; the message says why and what to do."""


class TooManyDeletes(DeployError):
    """The plan deletes more files than the limit allows; nothing was changed."""


@dataclass
class Plan:
    uploads: list[LocalFile]
    unchanged: list[str]
    deletes: list[str]  # only names the target's manifest lists, i.e. that Mirsad uploaded
    before: dict[str, dict[str, Any]] = field(default_factory=dict)  # the target's manifest

    @property
    def upload_bytes(self) -> int:
        return sum(file.size for file in self.uploads)


@dataclass(frozen=True)
class Result:
    where: str
    uploaded: int
    bytes: int
    deleted: int
    unchanged: int
    dry_run: bool

    def line(self) -> str:
        verb = "would upload" if self.dry_run else "uploaded"
        deleted = "would delete" if self.dry_run else "deleted"
        return (f"{'Dry run: ' if self.dry_run else ''}{self.where}: {verb} {self.uploaded} files "
                f"({self.bytes:,} bytes), {deleted} {self.deleted}, {self.unchanged} unchanged")


class Target(abc.ABC):
    where: str  # the destination as messages name it, without credentials

    @abc.abstractmethod
    def plan(self, files: dict[str, LocalFile]) -> Plan:
        """Compare the build with what the target holds (reads only)."""

    @abc.abstractmethod
    def apply(self, plan: Plan, files: dict[str, LocalFile], say: Callable[[str], None]) -> int:
        """Carry the plan out (nothing to do: change nothing); returns the number of files deleted."""

    def close(self) -> None:
        """Remove what the target kept on this machine (a clone)."""


class StagedTarget(Target):
    """A target changed file by file (a folder, a host, a bucket): the
    manifest first lists every name about to be uploaded, then assets,
    pages and feeds are uploaded in that order, deletes come last, and the
    manifest is rewritten with what the target now holds."""

    @abc.abstractmethod
    def upload(self, files: list[LocalFile]) -> dict[str, dict[str, Any]]:
        """Upload `files`; returns their manifest entries."""

    @abc.abstractmethod
    def delete(self, names: list[str]) -> int:
        """Delete `names`; returns how many were there."""

    @abc.abstractmethod
    def write_manifest(self, entries: dict[str, dict[str, Any]]) -> None: ...

    def intended(self, file: LocalFile) -> dict[str, Any]:
        """The manifest entry of a file about to be uploaded."""
        return file.entry()

    def apply(self, plan: Plan, files: dict[str, LocalFile], say: Callable[[str], None]) -> int:
        new = {file.name: self.intended(file) for file in plan.uploads if file.name not in plan.before}
        if new:  # interrupted from here on, the next deploy still knows these names are Mirsad's
            self.write_manifest({**plan.before, **new})
        uploaded: dict[str, dict[str, Any]] = {}
        for phase, label in ((ASSET, "assets"), (PAGE, "pages"), (FEED, "feeds and sitemaps")):
            batch = [file for file in plan.uploads if kind(file.name) == phase]
            if batch:
                say(f"uploading {len(batch)} {label} to {self.where}")
                uploaded.update(self.upload(batch))
        deleted = 0
        if plan.deletes:
            say(f"deleting {len(plan.deletes)} files from {self.where}")
            deleted = self.delete(plan.deletes)
        final = {name: uploaded.get(name) or plan.before.get(name) or file.entry() for name, file in files.items()}
        if final != plan.before:
            self.write_manifest(final)
        return deleted


def deploy(target: Target, files: dict[str, LocalFile], *, dry_run: bool, max_deletes: int,
           say: Callable[[str], None] = print) -> Result:
    """Plan, check the delete limit, and apply the plan (or, dry, list it)."""
    try:
        return _deploy(target, files, dry_run=dry_run, max_deletes=max_deletes, say=say)
    finally:
        target.close()


def _deploy(target: Target, files: dict[str, LocalFile], *, dry_run: bool, max_deletes: int,
            say: Callable[[str], None]) -> Result:
    plan = target.plan(files)
    if dry_run:
        for file in plan.uploads:
            say(f"upload {file.name} ({file.size:,} bytes)")
        for name in plan.deletes:
            say(f"delete {name}")
    if 0 <= max_deletes < len(plan.deletes):
        listed = "\n".join(f"  {name}" for name in plan.deletes)
        raise TooManyDeletes(f"{target.where}: the deploy would delete {len(plan.deletes)} files, more than the "
                             f"limit of {max_deletes} (--max-deletes, MIRSAD_DEPLOY['max_deletes']); nothing was "
                             f"changed. If these deletions are intended, run again with --max-deletes "
                             f"{len(plan.deletes)}:\n{listed}")
    deleted = len(plan.deletes) if dry_run else target.apply(plan, files, say)
    return Result(target.where, len(plan.uploads), plan.upload_bytes, deleted, len(plan.unchanged), dry_run)

