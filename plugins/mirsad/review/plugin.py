"""mirsad_review: the editorial review loop's view of a build.

Receivers:
- article_generator_finalized (after mirsad.mt, which keeps a machine
  translation beside each reviewed one when MIRSAD_MT['translate_reviewed']
  is on): with MIRSAD_REVIEW['export'] set, write every briefing's machine
  translations, reviewed translations and sources to that JSON file, for
  the review commands (mirsad.review.commands) to work from.
"""

from __future__ import annotations

import logging

from pelican import signals

from mirsad.plugins import when_enabled

from . import config as review_config
from .drafts import collect, write_export

logger = logging.getLogger(__name__)


@when_enabled("mirsad.review")
def export_drafts(generator) -> None:
    path = review_config.load(generator.settings)["export"]
    if path:
        write_export(path, collect(generator))


def register() -> None:
    signals.article_generator_finalized.connect(export_drafts)
