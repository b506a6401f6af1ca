"""The command layer's shared helpers: the one progress line, the plain-text table."""

from __future__ import annotations

import logging

from crawler.commands.base import Progress, clip, table


def test_a_count_is_a_bar_redrawn_on_a_terminal(capsys):
    progress = Progress(4, tty=True)
    progress.advance(2)
    progress.advance(2)
    progress.stop()
    err = capsys.readouterr().err
    assert err.split("\r\x1b[2K")[1:] == [
        f"[{'#' * 15:<30}] 2/4 articles",
        f"[{'#' * 30}] 4/4 articles",
        f"[{'#' * 30}] 4/4 articles\n",
    ]


def test_a_count_says_nothing_off_a_terminal(capsys):
    progress = Progress(4, tty=False)
    progress.advance(4)
    progress.stop()
    assert capsys.readouterr().err == ""
    assert progress.done == 4


def test_a_line_is_logged_off_a_terminal_when_an_interval_is_set(capsys, caplog):
    progress = Progress(line=lambda elapsed: "ok 3", interval=60.0, tty=False)
    with caplog.at_level(logging.INFO, logger="crawler.commands.base"):
        progress.show()
    assert [r.getMessage() for r in caplog.records] == ["Progress: ok 3"]
    assert capsys.readouterr().err == ""


def test_table_pads_by_display_width_and_clip_keeps_to_the_columns():
    assert table(["名", "n"], [["乡村", 7], ["a", 12]], right=[1]).splitlines() == [
        "名     n",
        "----  --",
        "乡村   7",
        "a     12",
    ]
    assert clip("乡村振兴战略", 7) == "乡村振…"
    assert clip("乡村", 7) == "乡村"
