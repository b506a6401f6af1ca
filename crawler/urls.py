"""Canonical URLs: the key that decides "same page"."""

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

_DEFAULT_PORTS = {"http": 80, "https": 443}
# Query parameters that say how a visitor arrived, not which page they asked for.
_TRACKING = re.compile(
    r"^(utm_\w+|spm|from|fromsource|source_from|share(_\w+)?|shareid|sharer|scene|isappinstalled|"
    r"fbclid|gclid|dclid|msclkid|yclid|mc_cid|mc_eid|wxfrom|wx_fmt|clicktime|enterid|_hsenc|_hsmi)$",
    re.IGNORECASE,
)
# A directory's default document names the directory itself.
_INDEX_PAGE = re.compile(r"/(index|default)\.(html?|shtml|php|aspx?|jsp)$", re.IGNORECASE)


@lru_cache(maxsize=8192)
def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, fragment, tracking parameters or index.html.

    The rest of the query is kept, sorted (w3lib), so `?id=2` and `?id=3` stay two pages.
    Remembered for the last 8,192 URLs: a crawl asks about one page's URL several times (the
    bounds, incremental and conditional middlewares, the chain, storage).
    """
    parts = urlsplit(canonicalize_url(url))
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != _DEFAULT_PORTS.get(parts.scheme):
        host = f"{host}:{parts.port}"
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(_TRACKING.match(name) for name, _ in pairs):
        query = urlencode([(name, value) for name, value in pairs if not _TRACKING.match(name)])
    path = _INDEX_PAGE.sub("/", parts.path or "/")
    return urlunsplit((parts.scheme.lower(), host, path, query, ""))


def site_of(url: str) -> str:
    """The host name (with a non-default port) that identifies a site."""
    return urlsplit(canonical_url(url)).netloc


def host_of(url: str) -> str:
    """The bare host name of a URL, lower-case, without port."""
    return (urlsplit(url).hostname or "").lower()
