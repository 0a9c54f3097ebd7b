"""What the other Mirsad plugins may use of mirsad.mt: its other modules
are its own, free to change (tests/test_package.py holds them to this)."""

from .articles import MachineUnit
from .config import load as load_config, site_models
from .glossary import Glossary
from .models.install import install_for_site, list_installed
from .models.missing import install_missing
from .models.packages import PackageError
from .segments import Document
from .translate import localise_untranslated

__all__ = ["Document", "Glossary", "MachineUnit", "PackageError", "install_for_site", "install_missing", "list_installed",
           "load_config", "localise_untranslated", "site_models"]
