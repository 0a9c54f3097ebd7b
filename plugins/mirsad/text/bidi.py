"""Direction controls in text an author (or a model) wrote: "Trojan Source"
(CVE-2021-42574) neutralised.

An embedding or override (U+202A–U+202E) that is not closed reverses what a
reader sees without changing the text underneath: a number, a name or a
quote that displays differently from what is stored and searched. In text,
each one becomes the matching isolate (U+2066–U+2068), which only sets the
direction of what it encloses, and every block's isolates are balanced:
a closer with nothing open is dropped, what is left open is closed at the
end of the block. In code, where the characters are data, they are shown as
code review tools show them: a visible marker naming each.
"""

from __future__ import annotations

import html
import unicodedata

LRE, RLE, PDF, LRO, RLO = "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"
LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
EMBEDDINGS = LRE + RLE + PDF + LRO + RLO
ISOLATE_FOR = {LRE: LRI, LRO: LRI, RLE: RLI, RLO: RLI}
OPENERS = LRI + RLI + FSI
# What code shows visibly: every character that changes how text around it is ordered.
CONTROLS = EMBEDDINGS + OPENERS + PDI + "\u200e\u200f\u061c"


class Balancer:
    """Neutralises one block fed in pieces (the text runs of a paragraph,
    between its links and emphasis): `feed` each piece, then `close()` for
    the isolates still open. `changes` describes what was done."""

    def __init__(self):
        self.open = 0
        self.changes: list[str] = []

    def feed(self, text: str) -> str:
        if not any(char in text for char in EMBEDDINGS + OPENERS + PDI):
            return text
        out = []
        for char in text:
            if char in ISOLATE_FOR:
                out.append(ISOLATE_FOR[char])
                self.open += 1
                self.changes.append(f"{name(char)} made {name(ISOLATE_FOR[char])}")
            elif char in OPENERS:
                out.append(char)
                self.open += 1
            elif char in (PDF, PDI):
                if self.open:
                    out.append(PDI)
                    self.open -= 1
                    if char == PDF:
                        self.changes.append(f"{name(PDF)} made {name(PDI)}")
                else:
                    self.changes.append(f"unpaired {name(char)} removed")
            else:
                out.append(char)
        return "".join(out)

    def close(self) -> str:
        if not self.open:
            return ""
        self.changes.append(f"{self.open} unclosed isolate(s) closed at the end of the block")
        closing, self.open = PDI * self.open, 0
        return closing


def neutralise(text: str) -> tuple[str, list[str]]:
    """`text` as one block: no embedding or override left, isolates balanced;
    and what was changed."""
    balancer = Balancer()
    cleaned = balancer.feed(text) + balancer.close()
    return cleaned, balancer.changes


def visible(escaped_html: str) -> str:
    """Code as HTML with each direction control replaced by a visible marker
    whose title names it, e.g. <kbd title="U+202E RIGHT-TO-LEFT OVERRIDE">U+202E</kbd>."""
    if not any(char in escaped_html for char in CONTROLS):
        return escaped_html
    return "".join(_marker(char) if char in CONTROLS else char for char in escaped_html)


def name(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'direction control')}"


def _marker(char: str) -> str:
    return f'<kbd title="{html.escape(name(char))}">U+{ord(char):04X}</kbd>'
