"""WeasyPrint and the system libraries under it: loading it, which font
subsetter it uses, and the same PDF bytes with either subsetter.

WeasyPrint 70 subsets the fonts it embeds with HarfBuzz (Debian's
libharfbuzz-subset0) when it can load that library, else with fontTools
(weasyprint/pdf/fonts.py, Font.subset). Without the library it warns at
import (a DeprecationWarning in weasyprint/text/ffi.py) and then for every
font of every PDF; the build says it once instead (`subsetter_notice`).

fontTools stamps every font it writes with the current time (the `head`
table's `modified`, and so its checksum), which made each build's PDFs
differ; HarfBuzz keeps the font's own date. fontTools takes that time from
SOURCE_DATE_EPOCH when it is set (the reproducible-builds convention), so
fonts are decoded and subset with it fixed (`fixed_font_time`).
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

logger = logging.getLogger(__name__)

APT_INSTALL = "sudo apt-get install libharfbuzz-subset0"
# WeasyPrint's own messages about the missing library (ffi.py, pdf/fonts.py).
IMPORT_WARNING = "HarfBuzz-Subset will be required"
FONT_WARNING = "Using fontTools instead of HarfBuzz-Subset"
# The `modified` time (seconds since 1970) of every font fontTools writes.
# Fixed, not the user's SOURCE_DATE_EPOCH: the PDF cache key does not cover
# it, and a PDF from the cache must equal one rendered anew.
FONT_EPOCH = "0"


def load_weasyprint() -> None:
    """Import WeasyPrint (and so load Pango), without its DeprecationWarning
    about HarfBuzz-Subset: `subsetter_notice` says it once per build.

    Raises ImportError or OSError (a missing library) like `import weasyprint`."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=IMPORT_WARNING, category=DeprecationWarning)
        import weasyprint  # noqa: F401


def subsetter() -> str:
    """"harfbuzz" or "fonttools": what WeasyPrint subsets fonts with here
    (the test of weasyprint/pdf/fonts.py, Font.subset)."""
    load_weasyprint()
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    if harfbuzz_subset is not None and harfbuzz.hb_version_atleast(4, 1, 0):
        return "harfbuzz"
    return "fonttools"


def subsetter_notice() -> str | None:
    """The notice for a machine without libharfbuzz-subset0 (logged once), or None."""
    if subsetter() == "harfbuzz":
        return None
    notice = (f"mirsad_pdf: fonts are subset with fontTools, not HarfBuzz: libharfbuzz-subset0 "
              f"(>= 4.1) is not installed. PDFs are still the same on every build, but "
              f"rendering is slower and WeasyPrint will require it; install it: {APT_INSTALL}")
    logger.info(notice)
    return notice


@contextmanager
def fixed_font_time() -> Iterator[None]:
    """Within it, fonts that fontTools writes (subset, decoded from WOFF,
    instantiated from a variable font) carry FONT_EPOCH, not the clock."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = FONT_EPOCH
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous
