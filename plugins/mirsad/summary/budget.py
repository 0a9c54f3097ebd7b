"""The word budget of a summary box, and the best points that fit in it.

All the points together have at most max(max_words, max_body_share x the
words of the body) words, and at most max_points of them. Among the
highest-ranked sentences, every set of up to max_points (each sentence
whole or as one of its main clauses, clauses.py) is weighed: the set with
the highest total score that fits is taken. Filling the box in rank order
instead would take the best sentence even when it is so long that it
leaves no room for the second and third best, which together say more.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from . import clauses


@dataclass(frozen=True)
class Fit:
    """What of a sentence goes in the box."""

    text: str
    clause: int = 0  # 0: the whole sentence; n: its n-th main clause
    cut_share: float = 0.0  # cut with "…" (nothing fitted): the share of its words kept


def word_count(text: str) -> int:
    return len(text.split())


def budget(body_words: int, max_words: int, max_body_share: float) -> int:
    """How many words all the points may have together."""
    return max(max_words, math.floor(max_body_share * body_words))


@dataclass(frozen=True)
class Ranked:
    """The sentences of a briefing (as points would show them), ranked."""

    texts: Sequence[str]
    scores: Sequence[float]
    similarity: Sequence[Sequence[float]]
    lang: str
    duplicate_similarity: float
    max_chars: int  # a longer sentence or clause is not a point

    def fits(self, index: int, words: int) -> list[Fit]:
        """The ways sentence `index` can be a point in `words` words: whole,
        or as one of its main clauses."""
        text = self.texts[index]
        ways = [Fit(text)] + [Fit(clause, clause=number) for number, clause
                              in enumerate(clauses.leading_clauses(text, self.lang), start=1)]
        return [fit for fit in ways if word_count(fit.text) <= words and len(fit.text) <= self.max_chars]

    def pool(self, order: list[int], least: int) -> list[int]:
        """What the points are chosen among: of `order` (best first), the
        sentences ranked at least as high as the average one (PageRank's
        scores sum to 1), and the best `least` that say different things."""
        different: list[int] = []
        for index in order:
            if len(different) < least and self._distinct([*different, index]):
                different.append(index)
        average = 1 / len(self.scores)
        return [index for index in order if index in different or self.scores[index] >= average]

    def best_set(self, indexes: list[int], count: int, words: int) -> dict[int, Fit]:
        """The at most `count` sentences of `indexes`, no two alike, with
        the highest total score in `words` words. A main clause scores its
        sentence's score times its share of the words: it says part of what
        the sentence says. Ties: fewer words, then higher-ranked sentences."""
        ways = [(index, fit) for index in indexes for fit in self.fits(index, words)]
        best: tuple = ()
        for size in range(1, count + 1):
            for combination in itertools.combinations(ways, size):
                taken = [index for index, _ in combination]
                length = sum(word_count(fit.text) for _, fit in combination)
                if length > words or len(set(taken)) < size or not self._distinct(taken):
                    continue
                key = (self._score(combination), -length, [-indexes.index(i) for i in taken])
                if not best or key > best[0]:
                    best = (key, combination)
        return dict(best[1]) if best else {}

    def _score(self, combination) -> float:
        total = sum(self.scores[index] * word_count(fit.text) / word_count(self.texts[index])
                    for index, fit in combination)
        return round(total, 9)  # float noise must not reorder near-ties

    def _distinct(self, indexes: list[int]) -> bool:
        return all(self.similarity[i][j] < self.duplicate_similarity for i, j in itertools.combinations(indexes, 2))
