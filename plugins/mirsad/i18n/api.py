"""What the other Mirsad plugins may use of mirsad.i18n: its other modules
are its own, free to change (tests/test_package.py holds them to this)."""

from .catalogs import MACHINE_LABEL, localdate, ui_text
from .config import I18nConfig, Language
from .config import load as load_config
from .generator import MACHINE_TERM_NAMES
from .publication import add_translation, build_clock, every_original, preview_path
from .names import local_names, version_names
from .reviewed import inherit_metadata, signed, source_hash, stamp
from .site import Alternate, Listing, is_unreviewed
from .taxonomy import site_taxonomy

__all__ = ["MACHINE_LABEL", "MACHINE_TERM_NAMES", "Alternate", "I18nConfig", "Language", "Listing", "add_translation", "build_clock",
           "every_original", "inherit_metadata", "is_unreviewed", "load_config", "local_names", "localdate",
           "preview_path", "signed", "site_taxonomy", "source_hash", "stamp", "ui_text", "version_names"]
