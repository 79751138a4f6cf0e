"""Where a form may send the browser back to: local paths only (no open redirect)."""

from __future__ import annotations

from urllib.parse import urlsplit


def local_path(value: str | None, default: str = "/") -> str:
    """``value`` when it is a path of this site, else ``default``."""
    if not value:
        return default
    parts = urlsplit(value)
    # Browsers read "/\\host" and "/<tab>/host" as "//host": neither belongs in our paths.
    if (parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//")
            or "\\" in value or not value.isprintable()):
        return default
    return value
