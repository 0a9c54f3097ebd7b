"""What the other Mirsad plugins may use of mirsad.markdown (see mirsad.i18n.api)."""

from .frontmatter import BriefingError, split
from .reader import body_html, front_matter

__all__ = ["BriefingError", "body_html", "front_matter", "split"]
