"""The harvest helpers one by one: intervals, the plan, the lock, retry pauses, the progress text."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from crawler.harvest.lock import HarvestLocked, harvest_lock, lock_path
from crawler.harvest.progress import progress_line, run_figures, summary_table
from crawler.harvest.runs import drop_reason, is_clean
from crawler.harvest.schedule import jittered, parse_interval, spider_plan
from crawler.middlewares.retry import backoff_seconds, retry_after_seconds


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90), ("90s", 90), ("15m", 900), ("6h", 21600), ("1d", 86400), ("1.5h", 5400)]
)
def test_intervals(text, seconds):
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "6x", "-1h", "h"])
def test_bad_intervals_are_refused(text):
    with pytest.raises(ValueError, match="not an interval"):
        parse_interval(text)


def test_jitter_stays_within_its_fraction():
    rng = random.Random(1)
    waits = [jittered(3600, 0.1, rng) for _ in range(200)]
    assert 3240 <= min(waits) < 3600 < max(waits) <= 3960


def test_plan_is_the_config_or_the_chosen_spiders():
    config = {"xcgb_news": {"base_url": "http://a/"}, "xcgb_epaper": {}}
    known = ["xcgb_news", "xcgb_epaper", "extract"]
    assert spider_plan(config, [], known) == [("xcgb_news", {"base_url": "http://a/"}), ("xcgb_epaper", {})]
    assert spider_plan(config, ["xcgb_epaper"], known) == [("xcgb_epaper", {})]
    with pytest.raises(ValueError, match="no spider named 'nope'"):
        spider_plan(config, ["nope"], known)


def test_lock_sits_beside_a_sqlite_file_and_excludes_a_second_holder(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    assert lock_path(url) == tmp_path / "a.sqlite3.harvest.lock"
    with harvest_lock(url), pytest.raises(HarvestLocked, match="another harvest"), harvest_lock(url):
        pass
    with harvest_lock(url):  # released when the first holder is done
        pass


def test_retry_after_in_seconds_or_as_a_date():
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(b"120") == 120
    assert retry_after_seconds("Sun, 29 Nov 2026 12:01:30 GMT", now) == 90
    assert retry_after_seconds("Sun, 29 Nov 2026 11:00:00 GMT", now) == 0
    assert retry_after_seconds(b"soon") is None
    assert retry_after_seconds(None) is None


def test_backoff_doubles_up_to_its_cap():
    rng = random.Random(0)
    assert [round(backoff_seconds(n, 2, 60, random.Random(0)) / backoff_seconds(1, 2, 60, random.Random(0)))
            for n in (1, 2, 3, 4)] == [1, 2, 4, 8]  # fmt: skip
    assert all(45 <= backoff_seconds(10, 2, 60, rng) <= 75 for _ in range(50))


def test_clean_means_finished_without_errors():
    class Stats(dict):
        def get_value(self, key, default=None):
            return self.get(key, default)

    assert is_clean("finished", Stats())
    assert not is_clean("finished", Stats({"log_count/ERROR": 1}))
    assert not is_clean("shutdown", Stats())


def test_drop_reasons_lose_their_detail():
    assert drop_reason(Exception("duplicate in this crawl: http://a/1")) == "duplicate in this crawl"
    assert drop_reason(Exception("no body after cleaning")) == "no body after cleaning"


def test_progress_line_and_summary_table():
    start = datetime.now(UTC) - timedelta(seconds=10)
    running = run_figures("xcgb_news", {"start_time": start, "downloader/response_count": 50,
                                        "harvest/storage/new": 12})  # fmt: skip
    done = run_figures("xcgb_epaper", {"finish_reason": "finished", "elapsed_time_seconds": 3.21,
                                       "downloader/response_count": 7, "item_dropped_count": 1,
                                       "downloader/response_status_count/200": 7})  # fmt: skip
    assert progress_line([running, done], 10.0) == (
        "harvest 0:10 | 1 of 2 spiders running | pages 57 | new 12 | updated 0 | 5.7 pages/s"
    )
    table = summary_table([running, done]).splitlines()
    assert table[0].split() == ["spider", "finish", "verdict", "pages", "304", "known", "new", "updated",
                                "same", "dropped", "errors", "time"]  # fmt: skip
    assert table[2].split()[:3] == ["xcgb_news", "running", "running"]
    assert table[3].split() == ["xcgb_epaper", "finished", "ok", "7", "0", "0", "0", "0", "0", "1", "0",
                                "3.2"]  # fmt: skip
