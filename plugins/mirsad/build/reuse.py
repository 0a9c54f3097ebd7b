"""Pages of the last build kept when nothing they are rendered from changed.

A page is its template rendered with a context, and nothing else. Its key
is a digest of:
- what every page of the build depends on: the theme (templates, catalogs,
  assets), Mirsad's code, the versions of Pelican and Jinja, the settings;
- the values of the global context that its template (with the templates
  it extends, includes and imports) names;
- its own arguments (the briefing, the listing and its briefings...), deeply
  (digest.py).
The last build of an output folder recorded, in CACHE_PATH/pages/, each
page's key and the files it wrote, with their size and modification time
(in the cache, not the output: the record names every page, hidden ones
too, and is not for publishing). A page whose key is the same, and whose
files are still in the folder as they were written, is hard-linked into
the new output instead of rendered: the result is byte for byte what
rendering gives, and the last build's folder is left as it was (a failed
build leaves it whole; a record of a build that was not swapped in names
files that are not there as it wrote them). Any doubt (a value that cannot
be digested, a file changed or gone, an unreadable record) renders the page.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import types
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta

from mirsad.common.files import files_digest, write_atomically

from .digest import Digester, Opaque

logger = logging.getLogger(__name__)

RECORDS = "pages"  # in CACHE_PATH
FORMAT = 1
# Set by Pelican's writer for each page from its name, not read from the context.
PER_PAGE = frozenset({"localsiteurl", "output_file", "SITEURL"})
# Settings that say where a build works and how fast, not what it makes.
NOT_RENDERED = frozenset({"OUTPUT_PATH", "CACHE_PATH", "MIRSAD_JOBS", "CACHE_CONTENT", "LOAD_CONTENT_CACHE"})
CODE = Path(__file__).resolve().parent.parent  # the mirsad package


@dataclass(frozen=True)
class Written:
    """A page as a build wrote it: its key and its files (path relative to
    the output, size, modification time in ns)."""

    key: str
    files: tuple[tuple[str, int, int], ...]


class PageRecord:
    """The pages of the last build (read from its output) and of this one."""

    def __init__(self, previous: Path | None, cache: Path | None):
        """`previous`: the output folder the last build made; `cache`: CACHE_PATH."""
        self.previous = previous
        self.path = cache / RECORDS / f"{_name(previous)}.json" if previous is not None and cache else None
        self.last = _read(self.path) if self.path is not None else {}
        self.pages: dict[str, Written] = {}

    def reuse(self, name: str, key: str | None, output: Path) -> Written | None:
        """Link the last build's files of page `name` into `output` if it
        had the same key and they are as it wrote them; None: render it."""
        last = self.last.get(name)
        if key is None or last is None or last.key != key or self.previous is None:
            return None
        made: list[Path] = []
        try:
            for relative, size, mtime in last.files:
                source, target = self.previous / relative, output / relative
                found = os.stat(source)
                if found.st_size != size or found.st_mtime_ns != mtime:
                    raise FileNotFoundError(source)
                if source != target:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.link(source, target)
                    made.append(target)
        except OSError:
            for target in made:
                target.unlink(missing_ok=True)
            return None
        return last

    def save(self) -> None:
        """Record this build's pages for the next build of the same folder;
        records of folders that are gone (temporary builds) go."""
        if self.path is None:
            return
        data = {"format": FORMAT, "output": str(self.previous),
                "pages": {name: [page.key, [list(f) for f in page.files]] for name, page in sorted(self.pages.items())}}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(str(self.path), json.dumps(data, ensure_ascii=False, separators=(",", ":")))
            for other in self.path.parent.glob("*.json"):
                if other != self.path and not Path(_output_of(other)).is_dir():
                    other.unlink(missing_ok=True)
        except OSError as error:  # a cache only saves time
            logger.info("mirsad_build: %s not written (%s); the next build renders every page", self.path, error)


def _name(output: Path) -> str:
    return hashlib.sha256(str(output.resolve()).encode()).hexdigest()[:16]


def _output_of(record: Path) -> str:
    try:
        return str(json.loads(record.read_text(encoding="utf-8")).get("output") or "")
    except (OSError, ValueError, AttributeError):
        return ""


def _read(path: Path) -> dict[str, Written]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return {}
        return {name: Written(str(key), tuple((str(f), int(size), int(mtime)) for f, size, mtime in files))
                for name, (key, files) in data["pages"].items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, TypeError, AttributeError, KeyError) as error:
        logger.info("mirsad_build: %s cannot be read (%s); every page is rendered", path, error)
        return {}


def files_of(output: Path, paths: list[str]) -> tuple[tuple[str, int, int], ...]:
    """The record of files just written (absolute paths) in `output`."""
    found = []
    for path in paths:
        stat = os.stat(path)
        found.append((os.path.relpath(path, output), stat.st_size, stat.st_mtime_ns))
    return tuple(found)


class PageKeys:
    """Keys of one build's pages (module docstring)."""

    def __init__(self, settings: dict[str, Any]):
        self.settings = settings
        self.digester = Digester()
        self._names: dict[str, frozenset[str]] = {}
        self._globals: dict[str, str] = {}
        self._fixed: str | None = None

    def fixed(self) -> str:
        """What every page depends on; "" when the settings cannot be digested."""
        if self._fixed is None:
            theme = Path(self.settings.get("THEME", ""))
            overrides = [Path(path) for path in self.settings.get("THEME_TEMPLATES_OVERRIDES", [])]
            files = [path for folder in (CODE, theme, *overrides) if folder.is_dir()
                     for path in sorted(folder.rglob("*")) if path.is_file() and "__pycache__" not in path.parts]
            # Names with "_" first hold a build's own state (mirsad.common.session), not settings.
            settings = {name: value for name, value in self.settings.items()
                        if name not in NOT_RENDERED and not name.startswith("_")}
            try:
                settings_digest = self.digester.of(_without_modules(settings))
            except Opaque as what:
                logger.info("mirsad_build: the settings hold %s; every page is rendered", what)
                self._fixed = ""
                return ""
            self._fixed = "\n".join([f"pelican={version('pelican')} jinja2={jinja2.__version__}",
                                     files_digest(files), settings_digest])
        return self._fixed

    def key(self, name: str, template: jinja2.Template, context: dict[str, Any], arguments: dict[str, Any],
            call: list[Any]) -> str | None:
        """The key of the page(s) one `write_file` call makes, from its
        template variables (`arguments`) and its other arguments (`call`:
        relative URLs, pagination...); None if something it is rendered
        from cannot be digested."""
        fixed = self.fixed()
        if not fixed:
            return None
        try:
            parts = [fixed, name, str(template.name), self.digester.of(call)]
            parts += [f"{item}={self.digester.of(value)}" for item, value in sorted(arguments.items())]
            for used in sorted(self._used_by(template) - arguments.keys() - PER_PAGE):
                if used in context:
                    parts.append(f"{used}={self._global(used, context[used])}")
                elif used in template.environment.globals:
                    parts.append(f"{used}={self._global('env:' + used, template.environment.globals[used])}")
        except Opaque as what:
            logger.debug("mirsad_build: %s is rendered: its context holds %s", name, what)
            return None
        return self.digester.of(parts)

    def _global(self, name: str, value: Any) -> str:
        if name not in self._globals:
            self._globals[name] = self.digester.of(_without_modules(value))
        return self._globals[name]

    def _used_by(self, template: jinja2.Template) -> frozenset[str]:
        """The variables `template` and the templates it uses name."""
        environment, name = template.environment, template.name
        if name is None:
            return frozenset(self._all_names(environment))
        if name not in self._names:
            self._names[name] = frozenset()  # a template that includes itself
            self._names[name] = frozenset(self._names_from(environment, name, set()))
        return self._names[name]

    def _names_from(self, environment: jinja2.Environment, name: str, seen: set[str]) -> set[str]:
        if name in seen:
            return set()
        seen.add(name)
        source = environment.loader.get_source(environment, name)[0]
        tree = environment.parse(source)
        names = set(meta.find_undeclared_variables(tree))
        for used in meta.find_referenced_templates(tree):
            if used is None:  # a name computed while rendering: it may be any template
                return names | self._all_names(environment)
            names |= self._names_from(environment, used, seen)
        return names

    def _all_names(self, environment: jinja2.Environment) -> set[str]:
        names: set[str] = set()
        for name in environment.list_templates():
            if name.endswith((".html", ".xml", ".txt", ".j2", ".jinja")):
                source = environment.loader.get_source(environment, name)[0]
                names |= meta.find_undeclared_variables(environment.parse(source))
        return names


def _without_modules(value: Any) -> Any:
    """Settings may hold plugin modules (Pelican's PLUGINS): they count by
    name, their code is part of the fixed inputs."""
    if isinstance(value, types.ModuleType):
        return f"module {value.__name__}"
    if isinstance(value, dict):
        return {key: _without_modules(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_without_modules(item) for item in value]
    return value
