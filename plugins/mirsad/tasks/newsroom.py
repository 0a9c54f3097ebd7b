"""`invoke new` (a briefing to write) and `invoke init` (a newsroom's own project)."""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from .site import Site, TaskError

# What a new project copies from this one: the tool itself, not its sample
# content, tests, benchmarks or docs.
PROJECT_FILES = ("Makefile", "pyproject.toml", "requirements.lock", "requirements-libretranslate.lock", "tasks.py",
                 "babel.cfg", "publishconf.py", ".gitignore", "tools/check_system.py")
PROJECT_FOLDERS = ("plugins/mirsad", "themes/mirsad")
COPY_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo", "*.egg-info")

TAXONOMY = """\
# Display names and stable URL slugs of the tags and categories used in
# content/briefings/ (docs/writing.md). Keys are the names as written in the
# front matter, in the source language; give each a slug (its URL, for good)
# and its name in every other language, e.g.
#   tags:
#     ليبيا: {slug: libya, en: Libya, fr: Libye}
#   categories:
#     أمن: {slug: security, en: Security, fr: Sécurité}
tags: {}
categories: {}
"""

GLOSSARY = """\
# Machine-translation glossary (docs/translation.md#glossary): a term as
# written in the briefings -> its rendering in each target language, used
# every time it occurs. `keep: true`: never translated, the same everywhere.
#   داعش: {en: ISIS, fr: Daech}
#   UNSMIL: {keep: true}
"""


def new_briefing(site: Site, title: str, slug: str = "", tags: list[str] | None = None, category: str = "",
                 now: datetime | None = None) -> Path:
    """Write content/briefings/<slug>.md with its front matter, as a draft
    dated now in the site's TIMEZONE; an existing file is never replaced."""
    if not title.strip():
        raise TaskError("invoke new: give the briefing's --title", code=2)
    settings = site.settings()
    slug = slug or _slug(title, settings)
    if not slug:
        raise TaskError(f"invoke new: no URL name can be made from the title {title!r}; give one with --slug",
                        code=2)
    path = site.content / "briefings" / f"{slug}.md"
    when = now or datetime.now(ZoneInfo(settings["TIMEZONE"]))
    front = {"title": title.strip(), "date": when.strftime("%Y-%m-%d %H:%M"), "slug": slug}
    if tags:
        front["tags"] = tags
    if category:
        front["category"] = category
    text = ("---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False, default_flow_style=None, width=1000)
            + "# A draft is built for preview only; delete this line to publish it.\n"
            + "status: draft\n---\n\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8") as handle:  # "x": never over an existing briefing
            handle.write(text)
    except FileExistsError:
        raise TaskError(f"invoke new: {path} already exists; give another --slug", code=1) from None
    print(path)
    return path


def _slug(title: str, settings: dict) -> str:
    """The slug Pelican would derive (Arabic titles transliterated, SLUGIFY_* settings)."""
    from pelican.utils import slugify

    return slugify(title, regex_subs=settings.get("SLUG_REGEX_SUBSTITUTIONS", []),
                   preserve_case=settings.get("SLUGIFY_PRESERVE_CASE", False),
                   use_unicode=settings.get("SLUGIFY_USE_UNICODE", False))


def init_project(site: Site, target: Path, name: str, languages: list[str]) -> Path:
    """Make a newsroom's own project in `target`: this project's tool (plugins,
    theme, Makefile, tasks, pinned dependencies), settings for `name` and
    `languages` (the first is the language briefings are written in), and an
    empty content folder with commented taxonomy and glossary files."""
    codes = _checked_languages(languages)
    if not name.strip():
        raise TaskError("invoke init: give the site's --name", code=2)
    target = target.resolve()
    if target.exists() and any(target.iterdir()):
        raise TaskError(f"invoke init: {target} is not empty; give a new or empty folder", code=1)
    for relative in PROJECT_FILES:
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(site.root / relative, target / relative)
    for relative in PROJECT_FOLDERS:
        shutil.copytree(site.root / relative, target / relative, ignore=COPY_IGNORED)
    settings_text = (site.root / "pelicanconf.py").read_text(encoding="utf-8")
    (target / "pelicanconf.py").write_text(newsroom_settings(settings_text, name.strip(), codes), encoding="utf-8")
    for folder in ("briefings", "translations", "images"):
        (target / "content" / folder).mkdir(parents=True, exist_ok=True)
    (target / "content" / "taxonomy.yml").write_text(TAXONOMY, encoding="utf-8")
    (target / "content" / "glossary.yml").write_text(GLOSSARY, encoding="utf-8")
    missing = [code for code in codes if not (site.theme / "translations" / code).is_dir()]
    print(f"{target}: a Mirsad project for {name.strip()!r} in {', '.join(codes)} (briefings written in {codes[0]})")
    if missing:
        print(f"note: the theme has no UI catalog for {', '.join(missing)}: its menus stay in English until "
              f"you add one (`invoke i18n`, then translate themes/mirsad/translations/<lang>/LC_MESSAGES/"
              "messages.po)")
    print(f"next: cd {target} && make build, then `invoke new --title ...` for the first briefing")
    return target


def newsroom_settings(text: str, name: str, languages: list[str]) -> str:
    """pelicanconf.py with the site's name, source language and languages."""
    def literal(value) -> str:  # a JSON string, list or dict is also a Python literal
        return json.dumps(value, ensure_ascii=False)

    replacements = {
        r"^SITENAME = .*$": f"SITENAME = {literal(name)}",
        r"^DEFAULT_LANG = .*$": f"DEFAULT_LANG = {literal(languages[0])}",
        r'^    "languages": \[.*\],$': f'    "languages": {literal(languages)},',
        r'^    "site_names": \{.*\},$': f'    "site_names": {literal(dict.fromkeys(languages, name))},',
    }
    for pattern, line in replacements.items():
        text, count = re.subn(pattern, lambda _: line, text, count=1, flags=re.MULTILINE)
        if count != 1:
            raise TaskError(f"invoke init: pelicanconf.py has no line matching {pattern!r} to set; "
                            "restore that setting in this project's pelicanconf.py")
    return text


def _checked_languages(languages: list[str]) -> list[str]:
    from babel import Locale, UnknownLocaleError

    codes = [code.strip() for code in languages if code.strip()]
    if len(codes) < 2 or len(set(codes)) != len(codes):
        raise TaskError("invoke init: give two or more different --languages, the source first, e.g. ar,en,fr",
                        code=2)
    for code in codes:
        try:
            Locale.parse(code)
        except (UnknownLocaleError, ValueError):
            raise TaskError(f"invoke init: {code!r} is not a language code; use ISO 639-1 codes such as "
                            "ar, en, fr", code=2) from None
    return codes
