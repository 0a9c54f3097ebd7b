"""A model tried before it is installed: loaded with the engine it will run
on (CTranslate2, with the family's tokenizers and language tokens) in a
process of its own, and asked to translate a sentence. `invoke models`
runs it on the staged copy, before the installed model is replaced: a
package whose files pass every check of its format but cannot translate
(a model.bin of zeros, a model for another architecture) is refused there,
not found out by the next build."""

from __future__ import annotations

from mirsad.mt.models.families import FamilyModel
from mirsad.mt.models.packages import Package, PackageError

from .engine import EngineOptions, resolve_device
from .engine_process import EngineProcess

# A short sentence in the model's source language (English for the others:
# any text must come back as some text, whatever it means).
SENTENCES = {"ar": "اجتمع الوزراء في طرابلس أمس.", "en": "The ministers met in Tripoli yesterday.",
             "fr": "Les ministres se sont réunis à Tripoli hier."}


def try_model(model: Package | FamilyModel, options: EngineOptions, device: str = "auto") -> None:
    """Translate one sentence with `model`; PackageError with the model's
    name and the reason when it cannot be loaded or gives no text (the
    caller names the file it came from)."""
    sentence = SENTENCES.get(model.from_code, SENTENCES["en"])
    try:
        engine = EngineProcess(model, resolve_device(options, device))
        try:
            [output] = engine.translate([sentence])
        finally:
            engine.close()
    except PackageError:
        raise
    except Exception as error:  # whatever CTranslate2 or the tokenizer raise: the model is refused
        raise PackageError(f"{model.label} cannot translate ({type(error).__name__}: {error}): it is not "
                           "installed, and the installed model stays. Use the package as published, or "
                           "convert the model again") from None
    if not output.text.strip():
        raise PackageError(f"{model.label} translated {sentence!r} to nothing: it is not "
                           "installed, and the installed model stays. Use the package as published")
