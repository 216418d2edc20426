"""The progress bar of a long DbSync --once on a terminal, as a person sees it (pyte)."""
from __future__ import absolute_import, division, print_function

import re
import sys

import pytest

from _sync import TOOL, drop, ground_mysql, produce
from conftest import ROOT, make_backend

pytest.importorskip("pyte")


from _sync import ground  # noqa: F401,E402  (a fixture)


def test_progress_bar_then_summary(tmp_path, ground):
    """While catching up the terminal shows one bar line (rows, rows/s, ETA); at the end
    the bar is gone and one summary line says how many rows were copied."""
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
