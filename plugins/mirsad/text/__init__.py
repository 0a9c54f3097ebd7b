"""Text utilities shared by Mirsad's plugins: sentence splitting (translation,
summaries) and Arabic normalisation (summaries, search). Not a plugin."""

from pathlib import Path


def source_files() -> list[Path]:
    """The code and word lists of these utilities (by pattern: never the
    bytecode beside them), for the revisions of what is cached from them."""
    here = Path(__file__).resolve().parent
    return [*here.rglob("*.py"), *(here / "stopwords").glob("*.txt")]
