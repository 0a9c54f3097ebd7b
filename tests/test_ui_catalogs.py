"""UI strings: every string in the templates is translated for ar and fr,
and pages use the right language's forms (Arabic plurals included)."""

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from conftest import ROOT

THEME = ROOT / "themes" / "mirsad"


def template_messages() -> set:
    options = {"**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "True", "lstrip_blocks": "True"}}
    found = extract_from_dir(str(THEME / "templates"), [("**.html", "jinja2")], options)
    return {message for _, _, message, _, _ in found}


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_every_template_string_is_translated(lang):
    with open(THEME / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale=lang)
    for message in template_messages():
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key)
        assert entry is not None, f"{lang}: {key!r} missing; run `invoke i18n` and translate it"
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(strings), f"{lang}: {key!r} has no translation"


def test_arabic_plural_forms_on_term_counts(site):
    site.briefing("a", "أ", tags="[ليبيا, سرت]", date="2017-01-01")
    site.briefing("b", "ب", tags="[ليبيا]", date="2017-01-02")
    built = site.build()
    counts = [span.text for span in built.page("ar/tags.html").findall(".//span[@class='term-list__count']")]
    assert sorted(counts) == ["(موجز واحد)", "(موجزان)"]
    counts = [span.text for span in built.page("fr/tags.html").findall(".//span[@class='term-list__count']")]
    assert counts == []  # no French version: no French tag pages
