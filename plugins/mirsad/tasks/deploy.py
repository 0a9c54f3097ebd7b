"""`invoke deploy` and `invoke publish`: a finished build to a folder, a host
(rsync), GitHub Pages or S3 (docs/deploy.md)."""

from __future__ import annotations

from pathlib import Path

from mirsad.build.api import NotDeployable, finished_build
from mirsad.common.settings import SettingsError
from mirsad.deploy.api import DeployError, ManifestError, Result, deploy_build, deploy_settings, max_deletes

from . import build as building
from .site import Site, TaskError


def deploy(site: Site, to: str = "", *, dry_run: bool = False, deletes: str | int | None = None,
           endpoint_url: str = "", output: Path | None = None, cache: Path | None = None) -> Result:
    """Deploy the finished build in `output` (default output/) to `to`
    (default MIRSAD_DEPLOY['to'] of publishconf.py)."""
    try:
        settings = site.settings(publish=True)
        config = deploy_settings(settings)
        limit = config["max_deletes"] if deletes in (None, "") else max_deletes(deletes)
        if endpoint_url:
            config["endpoint_url"] = endpoint_url
        build = finished_build((cache or site.cache).resolve(), output or site.output)
        if not build.publish:
            print(f"note: {build.output} is a development build (pelicanconf.py: its feeds and sitemap link to "
                  "the development SITEURL); `invoke publish` builds with publishconf.py, then deploys.")
        result = deploy_build(build.output, to or config["to"], config, site_url=settings.get("SITEURL", ""),
                              dry_run=dry_run, max_deletes=limit)
    except (SettingsError, NotDeployable, DeployError, ManifestError) as error:
        raise TaskError(f"invoke deploy: {error}") from None
    print(result.line())
    return result


def publish(site: Site, *, dry_run: bool = False, deletes: str | int | None = None, endpoint_url: str = "") -> Result:
    """`invoke build --publish`, then deploy to MIRSAD_DEPLOY['to']."""
    try:
        destination = deploy_settings(site.settings(publish=True))["to"]
    except SettingsError as error:
        raise TaskError(f"invoke publish: {error}") from None
    if not destination:
        raise TaskError("invoke publish: set MIRSAD_DEPLOY['to'] in publishconf.py (a folder, user@host:path, "
                        "gh-pages:REMOTE or s3://BUCKET/PREFIX), or build and run `invoke deploy --to DEST`.")
    building.build(site, publish=True)
    return deploy(site, destination, dry_run=dry_run, deletes=deletes, endpoint_url=endpoint_url)
