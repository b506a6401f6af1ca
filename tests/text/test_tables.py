"""Derived tables kept on disk between processes (crawler/text/tables.py)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from crawler.text import gazetteer, script
from crawler.text.tables import CACHE_ENV, derived_table


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


class Builder:
    """A table built from a source file, counting its builds."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self.builds = 0

    def __call__(self) -> dict[str, int]:
        self.builds += 1
        return {line: len(line) for line in self.source.read_text("utf-8").splitlines()}


def test_a_table_is_built_once_and_read_back(cache: Path, tmp_path: Path) -> None:
    source = tmp_path / "words.txt"
    source.write_text("村\n乡村振兴\n", "utf-8")
    build = Builder(source)
    first = derived_table("words", [source], build)
    second = derived_table("words", [source], build)
    assert first == second == {"村": 1, "乡村振兴": 4}
    assert build.builds == 1
    assert len(list(cache.glob("words-*.marshal"))) == 1


def test_a_changed_source_builds_the_table_again_and_drops_the_old_file(cache: Path, tmp_path: Path) -> None:
    source = tmp_path / "words.txt"
    source.write_text("村\n", "utf-8")
    build = Builder(source)
    derived_table("words", [source], build)
    source.write_text("村\n镇\n", "utf-8")
    assert derived_table("words", [source], build) == {"村": 1, "镇": 1}
    assert build.builds == 2
    assert len(list(cache.glob("words-*.marshal"))) == 1


def test_tables_of_other_names_are_kept_apart(cache: Path, tmp_path: Path) -> None:
    source = tmp_path / "words.txt"
    source.write_text("村\n", "utf-8")
    derived_table("words", [source], Builder(source))
    derived_table("words-long", [source], lambda: {"other": 1})
    assert derived_table("words", [source], Builder(source)) == {"村": 1}
    assert len(list(cache.glob("*.marshal"))) == 2


def test_a_damaged_or_foreign_file_is_built_again_never_run(cache: Path, tmp_path: Path) -> None:
    source = tmp_path / "words.txt"
    source.write_text("村\n", "utf-8")
    build = Builder(source)
    derived_table("words", [source], build)
    (kept,) = cache.glob("words-*.marshal")
    kept.write_bytes(pickle.dumps(Path("/")))  # not marshal: loading it must not unpickle
    assert derived_table("words", [source], build) == {"村": 1}
    kept.write_bytes(b"\xff\x00")
    assert derived_table("words", [source], build) == {"村": 1}
    assert build.builds == 3


def test_a_cache_folder_that_cannot_be_made_only_costs_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", "utf-8")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    source = tmp_path / "words.txt"
    source.write_text("村\n", "utf-8")
    build = Builder(source)
    assert derived_table("words", [source], build) == {"村": 1}
    assert derived_table("words", [source], build) == {"村": 1}
    assert build.builds == 2


def test_no_home_folder_only_costs_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    source = tmp_path / "words.txt"
    source.write_text("村\n", "utf-8")
    build = Builder(source)
    assert derived_table("words", [source], build) == {"村": 1}
    assert build.builds == 1


def test_the_real_tables_read_back_equal_what_their_data_gives(cache: Path) -> None:
    script._jieba_char_counts.cache_clear()
    gazetteer.divisions.cache_clear()
    try:
        built = (script._jieba_char_counts(), gazetteer.divisions())
        assert len(list(cache.glob("*.marshal"))) == 2
        script._jieba_char_counts.cache_clear()
        gazetteer.divisions.cache_clear()
        read = (script._jieba_char_counts(), gazetteer.divisions())
    finally:
        script._jieba_char_counts.cache_clear()
        gazetteer.divisions.cache_clear()
    assert read == built
    assert read[0] == script._fold_jieba_counts()
    assert [(d.code, d.name, d.short, d.level, d.province, d.prefecture) for d in read[1]] == list(
        gazetteer._division_fields()
    )
    assert {d.level for d in read[1]} == {"province", "prefecture", "county"}
