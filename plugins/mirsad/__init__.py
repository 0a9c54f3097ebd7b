from .plugins import register  # noqa: F401
