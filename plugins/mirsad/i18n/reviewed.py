"""Reviewed (human) translations: content/translations/<slug>.<lang>.md.

A reviewed translation carries its own title, body and (if the original has
them) summary and key points, and may give its own corrections, places and
source; everything else (date, tags, category) is inherited from the
original, so it is written once.
"""

from __future__ import annotations

import glob
import hashlib
import logging
import os
from typing import Any

from pelican.contents import Article
from pelican.utils import slugify

from mirsad.common import report
from mirsad.markdown.api import BriefingError, front_matter, split

from .publication import add_translation, every_original

logger = logging.getLogger(__name__)

INHERITED = ("date", "modified", "tags", "category", "source", "location", "author", "authors", "status")
TRANSLATION_FIELDS = ("title", "summary", "summary_text", "key_points", "translator", "reviewed", "source_hash",
                      "corrections", "location", "source")


def source_hash(path: str, settings: dict[str, Any] | None = None) -> str:
    """Fingerprint of what a translator translates: title, summary, points,
    body (`settings`: a build's, whose read cache may hold the file)."""
    document = front_matter(path, settings)
    fields = document.fields
    parts = [str(fields.get("title", "")), str(fields.get("summary", "")),
             "\n".join(map(str, fields.get("key_points") or [])), document.body.strip()]
    return hashlib.sha256("\n\x1f\n".join(parts).encode("utf-8")).hexdigest()[:16]


def find_translation_files(content_path: str, translations_path: str) -> list[str]:
    folder = os.path.join(content_path, translations_path)
    if not os.path.isdir(folder):
        return []
    return sorted(
        os.path.join(folder, name) for name in os.listdir(folder)
        if name.endswith(".md") and not name.startswith(".")
    )


def attach_reviewed(generator, config) -> None:
    """Read every reviewed translation and attach it to its original article."""
    originals = {article.slug: article for article in every_original(generator)}
    reader = generator.readers.readers["md"]
    for path in find_translation_files(generator.path, config.options["translations_path"]):
        try:
            article = _read_translation(path, reader, originals, generator, config)
        except BriefingError as error:
            logger.error("mirsad_i18n: %s", error)
            continue
        if article is None:
            continue  # a draft not signed yet: the page stays the machine translation
        add_translation(generator, originals[article.slug], article)


def signed(fields: dict[str, Any]) -> bool:
    """An editor signed the translation: it names its translator and the
    date it was reviewed. Until then a file marked `status: draft` (as
    `invoke review` writes them) is a draft, and the page stays the machine
    translation."""
    return bool(str(fields.get("translator") or "").strip() and fields.get("reviewed"))


def _read_translation(path, reader, originals, generator, config) -> Article | None:
    slug, _, lang = os.path.basename(path)[:-3].rpartition(".")
    if not slug or lang not in config.codes:
        raise BriefingError(
            path, "a reviewed translation's file name must be <slug>.<lang>.md",
            f"Rename it, with <lang> one of {', '.join(config.codes)}",
        )
    original = originals.get(slug)
    if original is None:
        raise BriefingError(
            path, f"there is no briefing with slug '{slug}' to be the original",
            "Rename the file after the original's slug (its `slug:` field, or the "
            "slug shown in its URL)",
        )
    if lang == original.lang:
        raise BriefingError(path, f"the original is already in '{lang}'", "Use another language code in the file name")
    content, fields = reader.read_briefing(path)
    if fields.get("lang", lang) != lang:
        raise BriefingError(
            path, f"'lang: {fields['lang']}' contradicts the file name's '.{lang}.md'",
            "Make them agree (or remove the lang field)",
        )
    if fields.get("status") == "draft" and not signed(fields):
        report.add(generator.settings, "Reviewed translations",
                   f"DRAFT {path}: not signed yet (translator, reviewed); the page stays the machine translation")
        return None
    if fields.get("status") == "draft":
        logger.warning("mirsad_i18n: %s is signed but still says `status: draft`: it is published as a "
                       "reviewed translation; remove that line", path)
    metadata = inherit_metadata(original, slug, lang)
    metadata.update({name: fields[name] for name in TRANSLATION_FIELDS if name in fields})
    metadata["reviewed_translation"] = True
    article = Article(content, metadata=metadata, settings=generator.settings,
                      source_path=path, context=generator.context)
    article.review_outdated = _is_outdated(path, original, fields)
    return article


def inherit_metadata(original: Article, slug: str, lang: str) -> dict[str, Any]:
    """What every translation (reviewed or machine) takes from its original."""
    metadata = {name: original.metadata[name] for name in INHERITED if name in original.metadata}
    metadata.update(slug=slug, lang=lang, translation=True)
    if original.metadata.get("corrections"):
        # In the original's language until translated (mirsad.mt) or given
        # by a reviewed translation.
        metadata["corrections"] = [{**c, "lang": original.lang} for c in original.metadata["corrections"]]
    return metadata


def _is_outdated(path: str, original: Article, fields: dict[str, Any]) -> bool:
    recorded = fields.get("source_hash")
    if not recorded:
        logger.warning(
            "mirsad_i18n: %s has no source_hash, so a later change of the original "
            "cannot be detected. Add `source_hash: %s` to its front matter",
            path, source_hash(original.source_path, original.settings),
        )
        return False
    current = source_hash(original.source_path, original.settings)
    if recorded != current:
        report.add(original.settings, "Reviewed translations",
                   f"OUT OF DATE {path} (original changed since review)")
        logger.warning(
            "mirsad_i18n: %s was reviewed against an earlier version of %s; the page "
            "says so until it is re-reviewed (then set source_hash: %s)",
            path, original.source_path, current,
        )
        return True
    return False



def stamp(path: str, settings: dict[str, Any]) -> tuple[str, str]:
    """Record in a reviewed translation the hash of its original as it is now
    (returned, with the original's path).

    Run it after reviewing the translation against the current original."""
    slug = os.path.basename(path)[:-3].rpartition(".")[0]
    original = _find_original(slug, path, settings)
    digest = source_hash(original)
    with open(path, encoding="utf-8") as handle:
        lines = handle.read().splitlines(keepends=True)
    split(''.join(lines), path)  # validates the front matter
    end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "---")
    front = [line for line in lines[1:end] if not line.startswith("source_hash:")]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("".join([lines[0], *front, f"source_hash: {digest}\n", *lines[end:]]))
    return digest, original


def _find_original(slug: str, path: str, settings: dict[str, Any]) -> str:
    for article_path in settings["ARTICLE_PATHS"]:
        folder = os.path.join(settings["PATH"], article_path)
        for candidate in sorted(glob.glob(os.path.join(folder, "**", "*.md"), recursive=True)):
            with open(candidate, encoding="utf-8") as handle:
                fields = split(handle.read(), candidate).fields
            if _slug_of(fields, settings) == slug:
                return candidate
    raise BriefingError(path, f"no briefing has the slug '{slug}'", "Rename the file <slug>.<lang>.md after its original")


def _slug_of(fields: dict[str, Any], settings: dict[str, Any]) -> str:
    if fields.get("slug"):
        return str(fields["slug"])
    return slugify(str(fields.get("title", "")), regex_subs=settings["SLUG_REGEX_SUBSTITUTIONS"],
                   preserve_case=settings["SLUGIFY_PRESERVE_CASE"],
                   use_unicode=settings["SLUGIFY_USE_UNICODE"])
