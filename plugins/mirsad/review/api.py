"""What mirsad.tasks may use of mirsad.review: its other modules are its own,
free to change (tests/test_package.py holds them to this)."""

from .commands import Project, ReviewError, machine_drafts, select, select_one, write_draft
from .markdown_file import TranslationFileExists
from .quality import report
from .quality_page import write_report
from .review_site import build_review_site
from .sources import keep_source
from .xliff import import_xliff, write_xliff

__all__ = ["Project", "ReviewError", "TranslationFileExists", "build_review_site", "import_xliff", "keep_source",
           "machine_drafts", "report", "select", "select_one", "write_draft", "write_report", "write_xliff"]
