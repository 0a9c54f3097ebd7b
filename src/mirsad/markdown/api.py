"""What the other Mirsad plugins may use of mirsad.markdown (see mirsad.i18n.api)."""

from .frontmatter import BriefingError, split

__all__ = ["BriefingError", "split"]
