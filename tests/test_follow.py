"""IdFollower: rows committed out of id order are shown, never skipped or repeated."""
from __future__ import absolute_import, division, print_function

import pytest

from CryoCore.Tools._follow import IdFollower


class Table(object):
    def __init__(self):
        self.rows = {}

    def fetch(self, after):
        return [(i, self.rows[i]) for i in sorted(self.rows) if i > after]


@pytest.mark.smoke
def test_late_commit_below_the_last_seen_id_is_not_skipped():
    """A row committed late below the last id seen is still returned."""
    t, now = Table(), [0.0]
    f = IdFollower(t.fetch, clock=lambda: now[0])
    t.rows.update({1: "a", 3: "c"})            # id 2 is still uncommitted
    assert [r[0] for r in f.poll()] == [1, 3]
    now[0] = 1.0
    t.rows[2] = "b"                            # commits late
    t.rows[4] = "d"
    assert [r[0] for r in f.poll()] == [2, 4]
    assert f.poll() == [] and f.floor == 4


def test_gap_that_never_fills_is_given_up_after_the_timeout():
    """A gap that never fills is given up after gap_timeout."""
    t, now = Table(), [0.0]
    f = IdFollower(t.fetch, gap_timeout=5, clock=lambda: now[0])
    t.rows.update({1: "a", 5: "e"})
    assert len(f.poll()) == 2 and f.floor == 1
    now[0] = 6.0
    assert f.poll() == [] and f.floor == 5
    t.rows[3] = "too late"                     # below the floor now: not shown
    t.rows[6] = "f"
    assert [r[0] for r in f.poll()] == [6]


def test_start_after_hides_older_rows():
    """start_after hides rows up to that id."""
    t = Table()
    t.rows.update({1: "a", 2: "b", 3: "c"})
    f = IdFollower(t.fetch, start_after=2)
    assert [r[0] for r in f.poll()] == [3]
