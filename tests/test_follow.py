"""Following: IdFollower never skips or repeats a row committed out of id order, and the
tools' one follow loop (TailLog -f, TailStatus -f) survives a database restart."""
from __future__ import absolute_import, division, print_function

import os
import subprocess
import sys
import time

import pytest

from conftest import ROOT, Lines, wait_exit

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


_PRODUCERS = {
    "TailStatus": ("API.get_status('Restart')['x'] = sys.argv[1]", "x = %s"),
    "TailLog": ("API.get_log('Restart').info('value %s', sys.argv[1])", "value %s"),
}


@pytest.mark.parametrize("tool", sorted(_PRODUCERS))
def test_follow_survives_a_server_restart(tmp_path, tool):
    """-f survives its MariaDB restarting: one line on stderr, then the new rows show."""
    from _mariadb import start_private
    from conftest import write_settings
    server = start_private()  # a server that cannot start fails the test, as elsewhere
    store, shown = _PRODUCERS[tool]
    code = "import sys\nfrom CryoCore import API\n%s\nAPI.shutdown()\n" % store
    try:
        settings = dict(server.settings("ccfollow"), db_timeout=2)
        env = dict(os.environ, CRYOCORE_CONFIG=write_settings(tmp_path / "s.json", settings),
                   PYTHONPATH=ROOT)
        subprocess.check_call([sys.executable, "-c", code, "before"], env=env)
        tail = subprocess.Popen([sys.executable, os.path.join(ROOT, "CryoCore", "Tools",
                                                              tool + ".py"), "--bw", "-f"],
                                env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        lines = Lines(tail)
        try:
            assert lines.wait_for(lambda ls: any(shown % "before" in l for l in ls), 10)
            server.stop()
            time.sleep(1.5)  # the follower notices: one line on stderr, no exit
            assert tail.poll() is None, tail.stderr.read()
            server.start()
            subprocess.check_call([sys.executable, "-c", code, "after"], env=env)
            assert lines.wait_for(lambda ls: any(shown % "after" in l for l in ls), 15), \
                lines.lines
        finally:
            tail.terminate()
            wait_exit(tail, 10)
            err = tail.stderr.read()
            lines.thread.join(5)  # closing stdout under the reader fails on 2.7
            tail.stdout.close()
            tail.stderr.close()
        assert b"Traceback" not in err and err.count(b"retrying") == 1, err
        assert (tool + ": reconnected").encode("ascii") in err
    finally:
        server.destroy()
