"""Tables derived from installed packages' data, kept on disk from one process to the next.

Every process that cleans a page (a crawl, `scrapy extract`, `reclean`) built the same tables
at its first page: per-character counts folded from jieba's dictionary, the gazetteer from
JioNLP's division list, the character classes of each script from OpenCC, the word model
from wordfreq's list: about a second of CPU. `derived_table` builds such a table once, writes
it to the cache folder and lets later processes read it back (a few milliseconds; the word
model, about 80).

- Where: ``$HARVEST_CACHE_DIR``, else ``$XDG_CACHE_HOME/xcgb-harvester``, else
  ``~/.cache/xcgb-harvester``.
- What: marshal of plain values (dicts, tuples, strings, numbers): reading a table back runs
  no code, unlike pickle.
- When it is built again: the file's name carries a digest of everything the table depends
  on (each source file's path, size and modification time, the source of the module that
  builds it, the Python version), so a new package release or a changed rule gets a new file;
  the older file of the same table is removed then.
- A cache folder that cannot be written, or a file that cannot be read, only costs the build:
  the table is made in memory as it would be without a cache, and the problem is logged at
  DEBUG level (a read-only home is no error).
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

logger = logging.getLogger(__name__)

T = TypeVar("T")
CACHE_ENV = "HARVEST_CACHE_DIR"
FOLDER = "xcgb-harvester"
DIGEST = 20  # hex digits of the digest in a table's file name


def cache_dir() -> Path:
    """The folder derived tables are kept in (see the module's docstring)."""
    if configured := os.environ.get(CACHE_ENV):
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / FOLDER


def _digest(name: str, sources: Sequence[Path], build: Callable[[], Any]) -> str:
    key = hashlib.sha256(f"{name}\0{sys.version}\0{marshal.version}".encode())
    for source in sources:
        info = source.stat()
        key.update(f"\0{source.resolve()}\0{info.st_size}\0{info.st_mtime_ns}".encode())
    module = getattr(sys.modules.get(build.__module__), "__file__", None)  # the rules that build it
    if module:
        key.update(Path(module).read_bytes())
    return key.hexdigest()[:DIGEST]


def derived_table(name: str, sources: Sequence[Path], build: Callable[[], T]) -> T:
    """`build()`, read from the cache when a process already built it from the same `sources`.

    `name` names the table's file; `build` must return plain values marshal can write.
    """
    try:
        folder = cache_dir()
    except RuntimeError as error:  # no home folder to be found (no $HOME, no password entry)
        logger.debug("Derived table %s not kept: %s", name, error)
        return build()
    path = folder / f"{name}-{_digest(name, sources, build)}.marshal"
    try:
        table: T = marshal.loads(path.read_bytes())
        return table
    except FileNotFoundError:
        pass
    except (OSError, ValueError, EOFError, TypeError) as error:  # unreadable or not a marshal file
        logger.debug("Derived table %s unreadable (%s): built again", path, error)
    table = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}-")
    except OSError as error:  # a read-only home, a full disk
        logger.debug("Derived table %s not kept: %s", path, error)
        return table
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(marshal.dumps(cast(Any, table)))
        os.replace(temporary, path)  # whole or absent: a reader never sees half a table
    except (OSError, ValueError) as error:  # a full disk, a value marshal cannot write
        Path(temporary).unlink(missing_ok=True)
        logger.debug("Derived table %s not kept: %s", path, error)
        return table
    for older in folder.glob(f"{name}-{'?' * DIGEST}.marshal"):
        if older != path:
            older.unlink(missing_ok=True)
    return table
