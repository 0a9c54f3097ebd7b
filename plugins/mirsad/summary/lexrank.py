"""The sentence graph of LexRank: TF-IDF cosine similarities of the
sentences, and PageRank personalised by a prior.

A briefing has tens of sentences (at most summarise.MAX_CANDIDATES), so
plain Python ranks one in well under a millisecond: building a networkx
graph took 4 ms per briefing, and importing networkx and scipy (or numpy)
0.1-0.4 s per build. `pagerank` is networkx's `pagerank` (its power
iteration, convergence test included), so the rankings are the same.
"""

from __future__ import annotations

import math
from collections import Counter

Matrix = list[list[float]]


class RankingError(ValueError):
    """The power iteration did not converge."""


def similarities(documents: list[list[str]]) -> Matrix:
    """Cosine similarities of the documents' TF-IDF vectors (raw counts,
    smoothed idf); 0 on the diagonal and for an empty document."""
    count = len(documents)
    frequency = Counter(word for document in documents for word in set(document))
    idf = {word: math.log((1 + count) / (1 + found)) + 1 for word, found in frequency.items()}
    vectors = [{word: times * idf[word] for word, times in Counter(document).items()} for document in documents]
    norms = [math.sqrt(sum(value * value for value in vector.values())) for vector in vectors]
    # Only sentences that share a word have a similarity: go through each
    # word's sentences instead of every pair.
    holders: dict[str, list[int]] = {}
    for number, vector in enumerate(vectors):
        for word in vector:
            holders.setdefault(word, []).append(number)
    dot = [[0.0] * count for _ in range(count)]
    for word, found in holders.items():
        for position, i in enumerate(found):
            weight = vectors[i][word]
            for j in found[position + 1:]:
                dot[i][j] += weight * vectors[j][word]
    for i in range(count):
        for j in range(i + 1, count):
            if dot[i][j]:
                dot[i][j] = dot[j][i] = dot[i][j] / (norms[i] * norms[j])
    return dot


def pagerank(weights: Matrix, prior: list[float], alpha: float,
             max_iterations: int = 100, tolerance: float = 1e-6) -> list[float]:
    """PageRank of the undirected graph whose edge weights are `weights`,
    teleporting (and leaving nodes without edges) by `prior`; `alpha` is
    the share of the graph. Converged when the scores move less than
    `tolerance` per node in one step (networkx's criterion)."""
    count = len(weights)
    total = sum(prior)
    teleport = [value / total for value in prior]
    # Who passes rank to each node, and what share of its own.
    incoming: list[list[tuple[int, float]]] = [[] for _ in range(count)]
    dangling = []
    for i, row in enumerate(weights):
        out = sum(row)
        if out == 0:
            dangling.append(i)
        for j, weight in enumerate(row):
            if weight:
                incoming[j].append((i, weight / out))
    scores = [1.0 / count] * count
    for _ in range(max_iterations):
        previous = scores
        spread = sum(previous[i] for i in dangling)
        scores = [alpha * (sum(previous[i] * share for i, share in incoming[j]) + spread * teleport[j])
                  + (1 - alpha) * teleport[j] for j in range(count)]
        if sum(abs(new - old) for new, old in zip(scores, previous)) < count * tolerance:
            return scores
    raise RankingError(f"PageRank did not converge in {max_iterations} iterations")
