"""Key points of a briefing: its most informative, most central sentences.

Extractive and deterministic. The sentences (the project's one splitter,
mirsad.text.sentences) are the nodes of a graph whose edges are the cosine
similarities of their TF-IDF word vectors (LexRank), ranked by PageRank
(lexrank.py) personalised with a prior that favours facts over opinion (see
`informativeness`): biased LexRank (Otterbacher, Erkan & Radev, 2005).

The prior gets most of the weight (`damping` 0.2: 80% prior, 20% graph).
In a briefing nearly every sentence shares the topic words ("ISIS",
"Sirte"), so plain centrality rewards the sentences that restate the topic
and ranks a sentence with a new fact (an attack, a number) last because it
shares few words; the graph is kept to prefer, among equally informative
sentences, the ones the rest of the text supports.

The box stays short: at most `max_points` points, together at most
max(max_words, max_body_share x the body's words) words, near-duplicates
dropped, shown in document order. Each is a whole sentence, or the main
clause of a long one where that is a statement on its own (clauses.py);
among the best-ranked sentences, the set with the highest total score that
fits is taken (budget.py). Only when no sentence or clause fits at all (a
body of one very long sentence) is the best one cut, at a word boundary,
with "…".
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from mirsad.common.files import files_digest
from mirsad.common.jsoncache import JsonCache, key_of
from mirsad.common.progress import progress_bar
from mirsad.common.workers import WorkerDied, Workers, fork_is_safe, map_parallel
from mirsad.text import source_files as text_source_files
from mirsad.text.sentences import split_sentences

from . import clauses, lexrank, tokens
from .blocks import Block, blocks
from .budget import Fit, Ranked, budget, word_count

ELLIPSIS = "…"
# Sentences considered for the points: the graph compares every pair, so
# its cost grows with the square of this number. Key facts come early in a
# briefing (inverted pyramid); a 5 MB body (80,000 sentences) would
# otherwise take hours. 200 sentences are ~6,000 words, far more than a
# briefing holds, and rank in about a second on the 2-core machine.
MAX_CANDIDATES = 200
# The highest-ranked sentences the points are chosen among (budget.py):
# every set of up to max_points of them is weighed.
MAX_POOL = 12
_CLAUSE_END = re.compile(r"[,،;؛:]\s")
_HASHTAG = re.compile(r"#([^\W_]\w*)")


@dataclass(frozen=True)
class Options:
    """How points are computed; the defaults of MIRSAD_SUMMARY (config.py)."""

    # Between min_points and max_points: one per words_per_point words of
    # body, as far as the word budget allows.
    min_points: int = 2
    max_points: int = 3
    words_per_point: int = 150
    # The word budget of all the points together: max(max_words,
    # max_body_share x the words of the body).
    max_words: int = 60
    max_body_share: float = 0.15
    # A longer sentence or clause is not taken as a point; a point cut
    # because nothing fits is cut to this length too, with "…".
    max_point_chars: int = 360
    # Two sentences whose word vectors have at least this cosine say the same thing.
    duplicate_similarity: float = 0.5
    # PageRank's alpha: the share of the sentence graph in the ranking; the
    # informativeness prior (the bias) gets the rest. See the module docstring.
    damping: float = 0.2


@dataclass(frozen=True)
class Candidate:
    text: str
    position: int  # order in the document
    block: int  # index of its block among the prose blocks (or table rows)
    sentence: int = 0  # index within its block
    block_sentences: int = 1  # how many sentences its block has
    quote: bool = False


@dataclass(frozen=True)
class Pick:
    """A key point, and where it comes from (to find it again in a translation)."""

    text: str
    block: int
    sentence: int
    block_sentences: int
    clause: int = 0  # 0: the whole sentence; n: its n-th main clause (clauses.py)
    cut_share: float = 0.0  # cut with "…" (nothing fitted): the share of its words kept


def key_points(html: str, lang: str, title: str = "", names: list[str] | None = None,
               options: Options = Options()) -> list[Pick]:
    """The key points of the briefing whose body is `html`, written in `lang`;
    `title` and `names` (its tags and places) say what it is about."""
    parsed = blocks(html)
    found = candidates(parsed, lang)[:MAX_CANDIDATES]
    if not found:
        return []
    about = tokens.topic(lang, title, names or [], [candidate.text for candidate in found])
    words = budget(body_words(parsed), options.max_words, options.max_body_share)
    chosen = select(found, about, point_count(found, options), words, options)
    return [Pick(cap(fit.text, options.max_point_chars), c.block, c.sentence, c.block_sentences,
                 fit.clause, fit.cut_share) for c, fit in chosen]


def point(text: str, lang: str, options: Options, clause: int = 0, cut_share: float = 0.0) -> str:
    """How a translation shows one of the original's picks: the sentence
    of `lang` whole, its n-th main clause, or cut to a share of its words,
    as the pick was. Never cut unless the original's was: a translated
    sentence longer than `max_point_chars`, or without that clause, is
    shown whole."""
    text = display(text)
    if clause:
        found = clauses.leading_clauses(text, lang)
        return found[clause - 1] if len(found) >= clause else text
    if cut_share:
        return cap(cut_words(text, math.ceil(cut_share * word_count(text))), options.max_point_chars)
    return text


def body_words(found: list[Block]) -> int:
    """Words of the body: every block (headings and tables too)."""
    return sum(word_count(block.text) for block in found)


def point_count(found: list[Candidate], options: Options) -> int:
    length = sum(len(candidate.text.split()) for candidate in found)
    wanted = math.ceil(length / options.words_per_point)
    return max(options.min_points, min(options.max_points, wanted))


def candidates(found: list[Block], lang: str) -> list[Candidate]:
    """Sentences of the paragraphs and list items, in document order; a
    briefing made only of tables gets its data rows instead ("first cell:
    other cells")."""
    prose = [block for block in found if block.kind in ("paragraph", "item")]
    if not prose:
        rows = [block.cells for block in found if block.kind == "row" and not block.header]
        return [Candidate(_row_text(cells), index, index) for index, cells in enumerate(rows) if cells]
    result: list[Candidate] = []
    for index, block in enumerate(prose):
        sentences = split_sentences(block.text, lang)
        result += [Candidate(sentence, len(result) + number, index, number, len(sentences), block.quote)
                   for number, sentence in enumerate(sentences)]
    return result


def block_texts(html: str, lang: str) -> dict[int, list[str]]:
    """The candidate sentences of `html` by block: how a translation is
    matched with its original, block for block."""
    grouped: dict[int, list[str]] = {}
    for candidate in candidates(blocks(html), lang):
        grouped.setdefault(candidate.block, []).append(candidate.text)
    return grouped


def _row_text(cells: list[str]) -> str:
    return cells[0] + (": " + " · ".join(cells[1:]) if len(cells) > 1 else "")


def select(found: list[Candidate], about: tokens.Topic, count: int, words: int,
           options: Options) -> list[tuple[Candidate, Fit]]:
    """The best `count` sentences (or main clauses) that fit in `words`
    words together, in document order (see the module docstring)."""
    similarity = lexrank.similarities([tokens.words(c.text, about.lang) for c in found])
    scores = rank(found, similarity, about, options)
    order = sorted(range(len(found)), key=lambda i: (-scores[i], i))
    ranked = Ranked([display(c.text) for c in found], scores, similarity, about.lang,
                    options.duplicate_similarity, options.max_point_chars)
    chosen = ranked.best_set(ranked.pool(order[:MAX_POOL], options.min_points), count, words)
    if not chosen:  # nothing there fits: the best sentence or clause of the rest that does
        chosen = ranked.best_set(order, 1, words)
    if not chosen:  # not one fits: the best sentence, cut
        best = ranked.texts[order[0]]
        chosen = {order[0]: Fit(cut_words(best, words), cut_share=words / word_count(best))}
    return [(found[index], chosen[index]) for index in sorted(chosen)]


def cut_words(text: str, words: int) -> str:
    """`text` cut to at most `words` words (see `cap`)."""
    if word_count(text) <= words:
        return text
    return cap(text, len(" ".join(text.split()[:words])) + 1)


def rank(found: list[Candidate], similarity: lexrank.Matrix, about: tokens.Topic,
         options: Options) -> list[float]:
    """LexRank centrality personalised by each sentence's informativeness."""
    prior = [informativeness(candidate, about) for candidate in found]
    try:
        scores = lexrank.pagerank(similarity, prior, options.damping)
    except lexrank.RankingError as error:
        raise ValueError(f"ranking the sentences failed: {error}") from error
    # Rounded so that float noise (BLAS, platform) cannot reorder near-ties.
    return [round(score, 9) for score in scores]


def informativeness(candidate: Candidate, about: tokens.Topic) -> float:
    """Prior weight of a sentence: who/where (names), what (events), when,
    how many, being about the title, being the lead. Hedged or quoted text
    (opinion, as a rule), introductions to a list and fragments weigh less."""
    text, lang = candidate.text, about.lang
    # About one unit per kind of fact, the lead as much as an event; set on
    # the sample briefings in three languages (tests/test_summary_text.py).
    weight = (0.2
              + 0.25 * min(len(tokens.names(text, about)), 4)
              + 1.0 * bool(tokens.mentions(text, lang, "events"))
              + 0.5 * tokens.has_time(text, lang)
              + 0.25 * min(tokens.quantities(text, lang), 2)
              + 0.5 * tokens.title_overlap(text, about)
              + (1.0 if candidate.position == 0 else 0.0))
    weight *= 1.0 - 0.5 * tokens.quoted_share(text)
    if tokens.mentions(text, lang, "hedges"):
        weight *= 0.6
    if candidate.quote:
        weight *= 0.5
    if text.rstrip().endswith(":"):
        weight *= 0.3
    if len(text.split()) < 5:
        weight *= 0.5
    return weight


def display(text: str) -> str:
    """A sentence as a point: hashtags read as words (#البنيان_المرصوص ->
    البنيان المرصوص); everything else as written."""
    return _HASHTAG.sub(lambda match: match.group(1).replace("_", " "), text)


def cap(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a clause end if one is in
    the last third, else at a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    room = text[:limit]  # the cut leaves at most limit - 1 characters, plus "…"
    clauses = [m.start() + 1 for m in _CLAUSE_END.finditer(room) if m.start() >= limit * 2 // 3]
    end = clauses[-1] if clauses else room.rfind(" ")
    if end <= 0:
        end = limit - 1  # one word longer than the limit: cut inside it
    return text[:end].rstrip(" ,،;؛:") + ELLIPSIS



@dataclass(frozen=True)
class Request:
    """The inputs of one `key_points` call."""

    html: str
    lang: str
    title: str = ""
    names: tuple[str, ...] = ()
    options: Options = Options()

    def key(self) -> str:
        return key_of(self.html, self.lang, self.title, list(self.names), asdict(self.options))

    def compute(self) -> list[Pick]:
        return key_points(self.html, self.lang, self.title, list(self.names), self.options)


class StoredKeyPoints:
    """`key_points`, with its results kept between builds (CACHE_PATH/summaries.json):
    ranking is the costliest part of a build that translates nothing, and an
    unchanged briefing gets the same points. The key holds every input; the
    revision, a hash of the code and word lists the ranking reads, so an
    edit of the summariser recomputes everything."""

    def __init__(self, path: str):
        self.cache = JsonCache(path, _code_revision())
        self._early: Workers | None = None
        self._early_refused = False  # no pool for this build: decided once
        self._started: set[str] = set()

    def __call__(self, html: str, lang: str, title: str = "", names: list[str] | None = None,
                 options: Options = Options()) -> list[Pick]:
        request = Request(html, lang, title, tuple(names or ()), options)
        key = request.key()
        stored = self.cache.get(key)
        if stored is not None:
            return [Pick(**pick) for pick in stored]
        picks = request.compute()
        self.cache.put(key, [asdict(pick) for pick in picks])
        return picks

    def start(self, request: Request, jobs: int) -> None:
        """Start computing `request`, unless stored, on a pool of `jobs`
        processes, while the build goes on (reading the other briefings);
        `collect_started` (or `compute_missing`) takes the result in."""
        key = request.key()
        if key in self._started or self.cache.get(key) is not None:
            return
        if self._early is None:
            if self._early_refused or jobs < 2 or not fork_is_safe():
                self._early_refused = True
                return  # computed by compute_missing, or by the build itself
            self._early = Workers.calling(_stored_form, jobs)
        self._started.add(key)
        self._early.submit(request, tag=key)

    def collect_started(self) -> None:
        """Wait for what `start` started; its workers end."""
        self._early_refused = False
        if self._early is None:
            return
        pending = True
        while pending:
            try:
                for key, result in self._early.results():
                    if result is not None:
                        self.cache.put(key, result)
                pending = False
            except WorkerDied:
                continue  # that one is computed again below, or by the build itself
        self._early.close()
        self._early, self._started = None, set()

    def compute_missing(self, requests: list[Request], jobs: int) -> None:
        """Compute the points of every request not stored yet, on `jobs`
        processes: a cold build ranks every briefing."""
        self.collect_started()
        missing = {key: request for request in requests
                   if self.cache.get(key := request.key()) is None}
        try:
            with progress_bar("key points", len(missing)) as advance:
                results = map_parallel(_stored_form, list(missing.values()), jobs, progress=advance)
        except WorkerDied:
            return  # a worker died: the build computes them one by one, and says which fails
        for key, result in zip(missing, results):
            if result is not None:
                self.cache.put(key, result)

    def save(self) -> None:
        self.cache.save()


def _stored_form(request: Request) -> list[dict] | None:
    try:
        return [asdict(pick) for pick in request.compute()]
    except ValueError:
        return None  # computed again in the build's own process, which reports it


def _code_revision() -> str:
    here = Path(__file__).resolve().parent
    return files_digest([*here.glob("*.py"), *(here / "lexicon").glob("*.yml"), *text_source_files()])
