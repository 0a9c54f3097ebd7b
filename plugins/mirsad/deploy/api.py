"""What mirsad.tasks may use of mirsad.deploy (tests/test_package.py holds it to this)."""

from .config import deploy_settings, max_deletes
from .files import MANIFEST, ManifestError, cache_control, content_type
from .plan import DeployError, Result, TooManyDeletes
from .targets import deploy_build

__all__ = ["MANIFEST", "DeployError", "ManifestError", "Result", "TooManyDeletes", "cache_control", "content_type",
           "deploy_build", "deploy_settings", "max_deletes"]
