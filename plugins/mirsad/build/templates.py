"""Compiled templates kept between builds (CACHE_PATH/templates), and shared
by the generators of one build.

Pelican gives every generator its own Jinja environment, so base.html and
the macros were compiled once per generator, and all of them again in every
build: a quarter of a small site's build time. Jinja's bytecode cache keys
a template by its name and file and checks its source; compiled code also
depends on the environment (extensions, whitespace and autoescape options),
so that goes into the key too.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from jinja2 import Environment
from jinja2.bccache import Bucket, FileSystemBytecodeCache


class TemplateCache(FileSystemBytecodeCache):
    def __init__(self, directory: str):
        os.makedirs(directory, exist_ok=True)
        super().__init__(directory, "%s.jinja")

    def get_bucket(self, environment: Environment, name: str, filename: str | None, source: str) -> Bucket:
        return super().get_bucket(environment, f"{name}|{compile_options(environment)}", filename, source)


def compile_options(environment: Environment) -> str:
    """A hash of what, besides its source, a template's compiled code depends on."""
    def named(value: Any) -> Any:  # a function by its name, not its address
        return getattr(value, "__qualname__", value)

    options: list[Any] = [
        sorted(environment.extensions), getattr(environment, "newstyle_gettext", None),
        environment.policies.get("ext.i18n.trimmed"), environment.is_async,
        named(environment.autoescape), named(environment.finalize),
        environment.trim_blocks, environment.lstrip_blocks, environment.keep_trailing_newline,
        environment.newline_sequence, environment.optimized,
        environment.block_start_string, environment.block_end_string,
        environment.variable_start_string, environment.variable_end_string,
        environment.comment_start_string, environment.comment_end_string,
        environment.line_statement_prefix, environment.line_comment_prefix,
    ]
    return hashlib.sha256(repr(options).encode()).hexdigest()[:16]


def use_template_cache(settings: dict[str, Any]) -> None:
    """Give every Jinja environment of this build the cache (Pelican makes
    them from JINJA_ENVIRONMENT once the plugins are initialised). Each
    environment lives for one build, so it need not look at a template's
    file again (`auto_reload`) every time a page or an include asks for it."""
    directory = os.path.join(settings["CACHE_PATH"], "templates")
    settings["JINJA_ENVIRONMENT"] = {**settings["JINJA_ENVIRONMENT"], "bytecode_cache": TemplateCache(directory),
                                     "auto_reload": False}
