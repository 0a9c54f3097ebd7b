"""The publication policy for unreviewed machine translation
(MIRSAD_MT["publish"], docs/translation.md#publication-policy).

Per target language, one of:
- "label": published, marked as unreviewed machine translation everywhere;
- "hold": not published; the page says the translation is in review;
- {"below_confidence": share}: held when more than `share` (0-1) of the
  briefing's sentences are doubtful, labelled otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from mirsad.common.settings import SettingsError

LABEL, HOLD, CONFIDENCE = "label", "hold", "below_confidence"
FIX = ('write "label", "hold", {"below_confidence": 0.2} (a share from 0 to 1), or a dict of those '
       'per target language, e.g. {"en": "label", "fr": "hold"}')


class Unit(Protocol):
    confidence: float | None
    flags: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    mode: str  # LABEL, HOLD or CONFIDENCE
    share: float = 0.0  # CONFIDENCE: the share of doubtful sentences a briefing may have

    def held_because(self, units: Iterable[Unit], low_confidence: float) -> str | None:
        """Why a briefing's machine translation is held, or None when it is
        published (labelled)."""
        if self.mode == HOLD:
            return "publish: hold (only reviewed translations are published)"
        if self.mode == LABEL:
            return None
        units = list(units)
        doubtful = sum(1 for unit in units if is_doubtful(unit, low_confidence))
        if units and doubtful / len(units) > self.share:
            return (f"{doubtful} of {len(units)} sentences below confidence {low_confidence:g} "
                    f"(more than {self.share:.0%})")
        return None


def is_doubtful(unit: Unit, low_confidence: float) -> bool:
    """A sentence counted as below confidence: the engine was unsure of it,
    or a check of the output flagged it as failed. Checks of the output
    (repeated words, wrong script ...) record their findings in the unit's
    `flags`; any flag counts here, in the report and in the policy."""
    return bool(getattr(unit, "flags", ())) or (unit.confidence is not None and unit.confidence < low_confidence)


def parse(value: Any, targets: list[str]) -> dict[str, Policy]:
    """MIRSAD_MT["publish"] as a Policy per target language; a SettingsError
    naming the key and the fix for anything else."""
    if isinstance(value, Mapping) and CONFIDENCE not in value:
        strangers = sorted(set(value) - set(targets))
        if strangers or not value:
            raise SettingsError(f"MIRSAD_MT['publish'] = {value!r}: its keys must be target languages "
                                f"({', '.join(targets)}); {FIX}")
        return {lang: _one(value.get(lang, LABEL), f"MIRSAD_MT['publish'][{lang!r}]") for lang in targets}
    return {lang: _one(value, "MIRSAD_MT['publish']") for lang in targets}


def _one(value: Any, key: str) -> Policy:
    if value in (LABEL, HOLD):
        return Policy(value)
    if isinstance(value, Mapping) and set(value) == {CONFIDENCE}:
        share = value[CONFIDENCE]
        if not isinstance(share, bool) and isinstance(share, (int, float)) and 0 <= share <= 1:
            return Policy(CONFIDENCE, float(share))
    raise SettingsError(f"{key} = {value!r}: {FIX}")
