"""mirsad_markdown: registers the briefing reader for .md files."""

from __future__ import annotations

from pelican import signals

from mirsad.plugins import when_enabled

from .reader import BriefingReader, open_read_cache, save_read_cache


@when_enabled("mirsad.markdown")
def add_reader(readers) -> None:
    for extension in BriefingReader.file_extensions:
        readers.reader_classes[extension] = BriefingReader


@when_enabled("mirsad.markdown")
def forget_disabled_markdown_reader(generator) -> None:
    # Pelican still remembers its own (uninstalled) Markdown reader and warns
    # "Could not import markdown" for every .md file; ours handles them.
    readers = getattr(generator, "readers", None)
    for extension in BriefingReader.file_extensions:
        if readers is not None:
            readers.disabled_readers.pop(extension, None)


@when_enabled("mirsad.markdown")
def start_reading(pelican) -> None:
    open_read_cache(pelican.settings)


@when_enabled("mirsad.markdown")
def end_reading(pelican) -> None:
    save_read_cache(pelican.settings)


def register() -> None:
    signals.initialized.connect(start_reading)
    signals.finalized.connect(end_reading)
    signals.readers_init.connect(add_reader)
    signals.generator_init.connect(forget_disabled_markdown_reader)
