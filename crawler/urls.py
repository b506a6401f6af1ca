"""Canonical URLs: the key that decides "same page"."""

from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url

_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, sorted query (w3lib)."""
    parts = urlsplit(canonicalize_url(url))
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", parts.query, ""))


def site_of(url: str) -> str:
    """The host name (with a non-default port) that identifies a site."""
    return urlsplit(canonical_url(url)).netloc
