"""Clauses of a sentence that read as a statement on their own, for a key
point when the whole sentence is longer than the box has room for.

News sentences often end with a trailing clause that comments on the main
one: "X, adding that Y", "X، لافتا إلى أن Y", "X, soulignant que Y". The
part before it (the main clause) is a complete statement: subject, verb,
object, and any quotation it opens closes before the comma. Those trailing
clauses start with words listed as `clause_starts` in lexicon/<lang>.yml
(participles of saying and adding); a comma followed by anything else is
not a place to cut, since what comes before it may not be a sentence.
"""

from __future__ import annotations

import re

from . import tokens

# A comma (Latin or Arabic), with a closing quotation mark before or after
# it (English puts it inside: `Walid," noting`), then the next word.
_BREAK = re.compile(r"(?P<close>[\"”»]?)\s*[,،]\s*(?P<after>[\"”»]?)\s+(?P<word>[^\W\d_][\w'-]*)")
# A shorter main clause would be a fragment ("He said, adding").
MIN_CLAUSE_WORDS = 6
_END = re.compile(r"[.!?؟…]$")


def leading_clauses(sentence: str, lang: str) -> list[str]:
    """The main clauses `sentence` can be cut to, shortest first, each ended
    as a sentence; [] when it has none."""
    found = []
    for match in _BREAK.finditer(sentence):
        if not tokens.starts_clause(match.group("word"), lang):
            continue
        clause = sentence[:match.start()].rstrip() + match.group("close") + match.group("after")
        if len(clause.split()) < MIN_CLAUSE_WORDS or not _balanced(clause):
            continue
        found.append(clause if _END.search(clause.rstrip("\"”»")) else clause + ".")
    return found


def _balanced(clause: str) -> bool:
    """No quotation left open: the cut must not fall inside a quotation."""
    return (clause.count('"') % 2 == 0 and clause.count("“") == clause.count("”")
            and clause.count("«") == clause.count("»"))
