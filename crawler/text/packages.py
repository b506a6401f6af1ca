"""Data files of installed packages, found without importing the package.

Importing jieba, pypinyin or jionlp runs their __init__, which loads dictionaries and modules
this project never reads (memory and start-up time); the files we read are found in place.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def package_file(package: str, *parts: str) -> Path:
    """The path of a file inside an installed package (`parts` below its directory)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{package} is not installed (see requirements.txt)")
    return Path(next(iter(spec.submodule_search_locations)), *parts)
