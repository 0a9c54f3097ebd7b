"""`invoke serve` shows the drafts: the preview folder (output.drafts/)
holds only the pages and PDFs of held briefings, at the addresses they will
be published at, so they are served over the output, where the output has
no such file (their links to styles, fonts and other pages then resolve)."""

from __future__ import annotations

import os
from pathlib import Path


def overlay_handler(preview: Path) -> type:
    """livereload's static file handler serving `preview` wherever the
    served root (the output) has no such file."""
    from livereload.handlers import StaticFileHandler

    folder = os.path.abspath(preview)

    class OverlayHandler(StaticFileHandler):
        @classmethod
        def get_absolute_path(cls, root: str, path: str) -> str:
            published = super().get_absolute_path(root, path)
            previewed = super().get_absolute_path(folder, path)
            if not os.path.exists(published) and os.path.isfile(previewed):
                return previewed
            return published

        def validate_absolute_path(self, root: str, absolute_path: str) -> str | None:
            if absolute_path.startswith(folder + os.sep):
                root = folder  # a preview file (get_absolute_path chose it)
            return super().validate_absolute_path(root, absolute_path)

    return OverlayHandler
