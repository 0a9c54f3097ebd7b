"""Publication settings: `invoke build --publish` (or `pelican -s publishconf.py`)."""

import os
import sys

sys.path.append(os.curdir)
from pelicanconf import *  # noqa: E402,F403

SITEURL = os.environ.get("MIRSAD_SITEURL", "https://briefings.example.org")
# Absolute URLs in feeds, sitemap and hreflang, as search engines expect.
RELATIVE_URLS = False
DELETE_OUTPUT_DIRECTORY = True
STRICT = True
MIRSAD_MT = {**MIRSAD_MT, "strict": True}  # noqa: F405
