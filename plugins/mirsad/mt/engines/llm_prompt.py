"""What an LLM is told for each segment: the pair, the register of a news
briefing, the glossary renderings the segment needs, and the newsroom's
own reviewed translations of the most similar segments as earlier turns of
the conversation (few-shot examples), so the model writes in the house style.

PROMPT_REVISION goes into the engine's identity (the memory's key): change
it whenever the text below changes, so no output of an older prompt is reused.
tools/build_test_llm.py trains the test model on these very messages.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

PROMPT_REVISION = "1"
LANGUAGES = {"ar": "Arabic", "en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian",
             "fa": "Persian", "tr": "Turkish", "ru": "Russian", "zh": "Chinese", "pt": "Portuguese"}
MOST_EXAMPLES = 2  # reviewed segments shown per request
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class PromptContext:
    """What the newsroom knows about one segment."""

    terms: tuple[tuple[str, str], ...] = ()  # (source term, required rendering)
    examples: tuple[tuple[str, str], ...] = ()  # (source, reviewed translation)

    def key(self) -> str:
        """Part of the segment's memory key: its output depends on these."""
        if not self.terms and not self.examples:
            return ""
        data = json.dumps([self.terms, self.examples], ensure_ascii=False)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


@dataclass
class ExampleIndex:
    """The newsroom's reviewed segments of one pair, found by shared words."""

    pairs: list[tuple[str, str]] = field(default_factory=list)

    def most_similar(self, text: str, most: int = MOST_EXAMPLES) -> tuple[tuple[str, str], ...]:
        """The reviewed pairs sharing the most words with `text` (Jaccard
        similarity of word sets; ties: the shorter first). A reviewed
        translation of `text` itself comes first: the newsroom's own wording."""
        words = _words(text)
        scored = []
        for source, target in dict.fromkeys(self.pairs):
            theirs = _words(source)
            shared = len(words & theirs)
            if shared:
                scored.append((-shared / len(words | theirs), len(source), source, target))
        return tuple((source, target) for *_, source, target in sorted(scored)[:most])


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def system_prompt(source: str, target: str, terms: Iterable[tuple[str, str]]) -> str:
    lines = [f"Translate the news briefing text from {_name(source)} to {_name(target)}.",
             "Write in the register of a news briefing. Keep names, numbers, hashtags and quotes.",
             "Answer with the translation only."]
    terms = list(terms)
    if terms:
        lines.append("Required renderings:")
        lines += [f"{term} = {rendering}" for term, rendering in terms]
    return "\n".join(lines)


def messages(source: str, target: str, text: str, context: PromptContext) -> list[dict[str, str]]:
    """The chat messages of one request (OpenAI's chat format: role, content)."""
    conversation = [{"role": "system", "content": system_prompt(source, target, context.terms)}]
    for example_source, example_target in context.examples:
        conversation += [{"role": "user", "content": example_source},
                         {"role": "assistant", "content": example_target}]
    return conversation + [{"role": "user", "content": text}]


def _name(lang: str) -> str:
    return LANGUAGES.get(lang, lang)
