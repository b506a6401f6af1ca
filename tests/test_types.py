"""mypy, strict, on the crawler package (configured in pyproject.toml [tool.mypy]): the types hold."""

from __future__ import annotations

import pytest
from mypy import api

from tests.conftest import ROOT


@pytest.mark.slow  # about 12 s without mypy's cache
def test_the_crawler_package_type_checks(monkeypatch):
    monkeypatch.chdir(ROOT)  # the configuration's `files` are relative to the project
    stdout, stderr, status = api.run(["--config-file", str(ROOT / "pyproject.toml")])
    assert status == 0, stdout + stderr
    assert stdout.startswith("Success: no issues found"), stdout
