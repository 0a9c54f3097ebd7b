"""What the other Mirsad plugins may use of mirsad.summary (see mirsad.i18n.api)."""

from .summarise import cap

__all__ = ["cap"]
