"""The progress bar of a long DbSync --once on a terminal, as a person sees it (pyte)."""
from __future__ import absolute_import, division, print_function

import re
import sys

import pytest

from _sync import TOOL, drop, ground_mysql, produce
from conftest import ROOT, importorskip, make_backend

importorskip("pyte")  # CI-aware: missing in CI fails


from _sync import ground  # noqa: F401,E402  (a fixture)


def test_progress_bar_then_summary(tmp_path, ground):
    """Catching up shows one progress line (rows, rate, ETA), then one summary line."""
    from _pty_term import Term
    field, _ = make_backend("sqlite", tmp_path)
    produce(field, 4000, "bar")
    term = Term([sys.executable, TOOL, "--to", ground[1], "--once", "--source", "p",
                 "--max-kbps", "400", "--tables", "status,log"], field.env(), cwd=ROOT)
    try:
        bar = re.compile(r"\[#*\.*\] +\d+%  [\d,]+/[\d,]+ rows  [\d,]+ rows/s  ETA \d:\d\d:\d\d")
        assert term.wait_for(lambda t: any(bar.search(line) for line in t.lines()), 20), \
            term.text()
        shown = [line for line in term.lines() if line.strip()]
        assert len(shown) == 1 and bar.search(shown[0]), shown
        total = int(re.search(r"/([\d,]+) rows", shown[0]).group(1).replace(",", ""))
        assert total >= 12000
        assert term.wait_exit(60) == 0
        shown = [line.rstrip() for line in term.lines() if line.strip()]
        assert len(shown) == 1 and re.match(r"copied \d+ rows \(log \d+, status \d+\) in "
                                            r"[\d.]+ s$", shown[0]), shown
    finally:
        term.close()
