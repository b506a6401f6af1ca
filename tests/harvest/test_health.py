"""The health verdict: failed, degraded and ok, from a run's stats against the source's recent runs."""

from __future__ import annotations

from crawler.harvest.health import DEGRADED, FAILED, OK, Thresholds, health_of, judge

TH = Thresholds()


def stats(**values):
    """Crawl stats of a run, written with short names."""
    names = {
        "pages": "downloader/response_count",
        "ok": "downloader/response_status_count/200",
        "not_found": "downloader/response_status_count/404",
        "robots_ok": "robotstxt/response_status_count/200",
        "new": "harvest/storage/new",
        "unchanged": "harvest/storage/unchanged",
        "known": "harvest/incremental/known",
        "no_date": "harvest/metadata/date-missing",
        "hit": "harvest/profile/hit",
        "miss": "harvest/profile/miss",
        "dns": "harvest/net/failed/dns",
        "not_modified": "harvest/conditional/not_modified",
    }
    return {names[k]: v for k, v in values.items()}


def usual(**values):
    return health_of(stats(**values))


def test_nothing_fetched_is_failed():
    health = health_of(stats(dns=3))
    assert judge(health, [], TH) == (FAILED, ["nothing was fetched"])
    assert health["requests_failed"] == {"dns": 3}


def test_every_request_failed_is_failed_even_when_robots_txt_answered():
    health = health_of(stats(pages=5, ok=1, robots_ok=1, not_found=4))
    verdict, [reason] = judge(health, [], TH)
    assert verdict == FAILED and reason == "every request failed (http_404 4)"


def test_a_first_run_that_fetched_something_is_ok():
    assert judge(usual(pages=30, ok=30, new=25, hit=28), [], TH) == (OK, [])


def test_selectors_that_stop_matching_make_a_run_degraded():
    recent = [usual(pages=30, ok=30, new=20, hit=25, miss=0)] * 3
    drifted = usual(pages=30, ok=30, new=19, hit=0, miss=25)
    verdict, reasons = judge(drifted, recent, TH)
    assert verdict == DEGRADED and reasons == ["selectors matched 0% of pages, usually 100%"]


def test_new_articles_falling_far_below_usual_make_a_run_degraded_unless_lists_were_unchanged():
    recent = [usual(pages=60, ok=60, new=40, hit=44)] * 3
    starved = usual(pages=5, ok=5, new=1, hit=4)
    verdict, [reason] = judge(starved, recent, TH)
    assert verdict == DEGRADED and reason == "1 new articles, usually 40"
    quiet_but_known = usual(pages=8, ok=8, new=1, known=40, hit=4)  # lists still offer their articles
    assert judge(quiet_but_known, recent, TH)[0] == OK
    unchanged_lists = usual(pages=5, ok=5, not_modified=5, hit=4)  # 304: nothing new, by design
    assert judge(unchanged_lists, recent, TH)[0] == OK


def test_a_fall_in_dated_articles_makes_a_run_degraded():
    recent = [usual(pages=30, ok=30, new=20)] * 2
    undated = usual(pages=30, ok=30, new=20, no_date=15)
    assert judge(undated, recent, TH) == (DEGRADED, ["25% of articles dated, usually 100%"])


def test_a_small_run_is_not_judged_on_shares():
    recent = [usual(pages=30, ok=30, new=20, hit=25)] * 3
    assert judge(usual(pages=3, ok=3, new=12, hit=0, miss=2), recent, TH)[0] == OK
