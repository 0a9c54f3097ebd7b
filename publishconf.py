"""Publication settings: `invoke build --publish` (or `pelican -s publishconf.py`)."""

import importlib.util
import os


def _development_settings() -> dict:
    """pelicanconf.py's settings, read from beside this file (Pelican loads a
    settings file by path, so pelicanconf is not importable by name)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pelicanconf.py")
    spec = importlib.util.spec_from_file_location("pelicanconf", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {name: value for name, value in vars(module).items() if name.isupper()}


globals().update(_development_settings())
# The address the site is published at: required. A publish build stops
# before building while it is unset or an example/local address.
SITEURL = os.environ.get("MIRSAD_SITEURL", "https://briefings.example.org")
MIRSAD_PUBLISH = True
# Absolute URLs in feeds, sitemap and hreflang, as search engines expect.
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True
STRICT = True
MIRSAD_MT = {**MIRSAD_MT, "strict": True}  # noqa: F821 (from pelicanconf.py)
