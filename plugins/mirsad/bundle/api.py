"""What mirsad.tasks may use of mirsad.bundle (tests/test_package.py holds it to this)."""

from .archive import BundleError, verify
from .bundle import make_bundle

__all__ = ["BundleError", "make_bundle", "verify"]
