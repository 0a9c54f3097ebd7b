"""Which target a destination names, and a whole deploy of a build to it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .files import local_files
from .plan import DeployError, Result, Target, deploy

GH_PAGES = "gh-pages:"


def open_target(destination: str, output: Path, config: dict[str, Any], site_url: str) -> Target:
    """s3://BUCKET/PREFIX, gh-pages:REMOTE, else a folder or [user@]host:path for rsync."""
    if not destination:
        raise DeployError("Say where to deploy: --to DEST, or MIRSAD_DEPLOY['to'] in publishconf.py "
                          "(a folder, user@host:path, gh-pages:REMOTE or s3://BUCKET/PREFIX).")
    if destination.startswith("s3://"):
        from .s3 import S3Target

        return S3Target(destination, config["endpoint_url"], config["cache_control"])
    if destination.startswith(GH_PAGES):
        from .ghpages import GhPagesTarget, cname_for

        remote = destination[len(GH_PAGES):]
        if not remote:
            raise DeployError("gh-pages: needs the repository to push to, e.g. gh-pages:git@github.com:me/site.git "
                              "or gh-pages:origin's URL.")
        return GhPagesTarget(remote, config["branch"], cname_for(site_url, config["cname"]))
    from .rsync import RsyncTarget

    return RsyncTarget(destination, output)


def deploy_build(output: Path, destination: str, config: dict[str, Any], *, site_url: str, dry_run: bool = False,
                 max_deletes: int = 256, say: Callable[[str], None] = print) -> Result:
    """Deploy the files of `output` (a finished build) to `destination`."""
    output = output.resolve()
    target = open_target(destination, output, config, site_url)
    return deploy(target, local_files(output), dry_run=dry_run, max_deletes=max_deletes, say=say)
