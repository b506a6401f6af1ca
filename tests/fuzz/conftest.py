"""Hypothesis profiles: `ci` (the default: a few thousand cases over the fuzz tests) and `more`.

HYPOTHESIS_PROFILE=more .venv/bin/python -m pytest tests/fuzz    # ten times as many cases
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SLOW_DATA = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile(
    "ci", max_examples=300, deadline=None, database=None, derandomize=True, suppress_health_check=SLOW_DATA
)
settings.register_profile(
    "more", max_examples=3000, deadline=None, database=None, suppress_health_check=SLOW_DATA
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
