"""TailStatus as a real process: follow a producer process, late commits, closed pipes."""
from __future__ import absolute_import, division, print_function

import os
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import ROOT, Lines, importorskip, mysql_connect, wait_exit

TOOL = os.path.join(ROOT, "CryoCore", "Tools", "TailStatus.py")


def start_tail(backend, *args):
    if getattr(backend, "kind", None) == "sqlite" and \
            not os.path.exists(backend.settings["db_path"]):
        open(backend.settings["db_path"], "a").close()  # viewers never create it (issue 11)
    proc = subprocess.Popen([sys.executable, TOOL, "--bw"] + list(args), env=backend.env(),
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return proc, Lines(proc)


def stop(proc):
    proc.terminate()
    wait_exit(proc, 10)
    err = proc.stderr.read()
    proc.lines_reader.join(5)  # the reader reaches EOF: closing under it fails on 2.7
    proc.stdout.close()
    proc.stderr.close()
    return err


def producer(backend, code):
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=backend.env(),
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.PIPE)


@pytest.mark.smoke
def test_follow_shows_a_producer_process_rows(backend):
    """A producer process sets values while TailStatus -f runs; every change shows up."""
    p = producer(backend, """
        from CryoCore import API
        API.get_status("Producer")["state"] = "starting"
        """)
    assert p.communicate()[0] == b""
    tail, lines = start_tail(backend, "-f", "-n", "1")
    try:
        assert lines.wait_for(lambda ls: ls, 10)  # the tool is up and following
        p = producer(backend, """
            from CryoCore import API
            s = API.get_status("Producer")
            for i in range(50):
                s["count"] = i
            s["state"] = "done"
            API.shutdown()
            """)
        out, err = p.communicate()
        assert p.returncode == 0, err
        assert lines.wait_for(lambda ls: any("state = done" in l for l in ls), 10), lines.lines
        counts = [l.rsplit(" = ", 1)[1] for l in lines.lines if "] count = " in l]
        assert counts == [str(i) for i in range(50)]
        assert all("[Producer]" in l for l in lines.lines)
        assert lines.lines[0].endswith("state = starting") and len(lines.lines) == 52
    finally:
        stop(tail)


def test_follow_shows_a_new_row_within_one_second(backend):
    """-f shows each value a producer process sets within a second of its store."""
    tail, lines = start_tail(backend, "-f")
    try:
        p = producer(backend, """
            import sys, time
            from CryoCore import API
            s = API.get_status("Fast")
            for i in range(3):
                sys.stdin.readline()
                s["x"] = i
                API.get_status("Fast")  # same holder
                API.flush(10)
                print(time.time())
                sys.stdout.flush()
            """)
        worst = 0.0
        for i in range(3):
            p.stdin.write(b"go\n")
            p.stdin.flush()
            stored_at = float(p.stdout.readline())
            assert lines.wait_for(lambda ls: any(l.endswith("x = %d" % i) for l in ls), 5)
            worst = max(worst, time.time() - stored_at)
        p.communicate()
        assert worst < 1.0
    finally:
        stop(tail)


def test_follow_does_not_skip_rows_committed_out_of_order(backend):
    """A row whose transaction commits after a later id is still shown (MariaDB)."""
    if backend.kind != "mysql":
        pytest.skip("SQLite serializes writers: ids commit in order")
    from CryoCore.Core import InternalDB, _schema
    db = InternalDB.mysql("setup", config=backend.settings)
    _schema.ensure(db, "status")
    db._execute("INSERT INTO status_channel (name) VALUES ('Late')")
    chan = db._execute("SELECT chanid FROM status_channel").fetchone()[0]
    db._execute("INSERT INTO status_parameter (name, chanid) VALUES ('x', %s)", (chan,))
    param = db._execute("SELECT paramid FROM status_parameter").fetchone()[0]
    db.close()
    tail, lines = start_tail(backend, "-f")
    slow = mysql_connect(backend.settings["db_name"])
    fast = mysql_connect(backend.settings["db_name"])
    try:
        insert = ("INSERT INTO status (timestamp, paramid, chanid, value) "
                  "VALUES (%s, %s, %s, %s)")
        slow.autocommit = False
        slow.cursor().execute(insert, (time.time(), param, chan, "first-id-late"))
        fast.cursor().execute(insert, (time.time(), param, chan, "second-id-early"))
        assert lines.wait_for(lambda ls: any("second-id-early" in l for l in ls), 5)
        time.sleep(0.6)  # let the follower poll past the gap more than once
        slow.commit()
        assert lines.wait_for(lambda ls: any("first-id-late" in l for l in ls), 3), lines.lines
    finally:
        slow.close()
        fast.close()
        stop(tail)


def test_closed_pipe_ends_quietly(backend):
    """TailStatus | head -2 exits 0 (its own status) with nothing on stderr."""
    code = """
        from CryoCore import API
        s = API.get_status("Many")
        for i in range(3000):
            s["n"] = i
        """
    p = producer(backend, code)
    p.communicate()
    cmd = ["bash", "-c", '"$0" "$1" --bw -n 3000 | head -2; exit "${PIPESTATUS[0]}"',
           sys.executable, TOOL]
    r = subprocess.run(cmd, env=backend.env(), cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, timeout=60)
    assert r.returncode == 0 and r.stdout.count("\n") == 2 and r.stderr == ""


def test_script_errors_are_one_line(backend):
    """As a script a bad --since is one Error line; no match is silent, exit 0."""
    r = subprocess.run([sys.executable, TOOL, "--since", "whenever"], env=backend.env(), cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.startswith("Error: cannot parse time") and r.stderr.count("\n") == 1
    if backend.kind == "sqlite":  # the database exists (a missing one is an error, issue 11)
        open(backend.settings["db_path"], "a").close()
    r = subprocess.run([sys.executable, TOOL, "--bw", "Nope:nothing"], env=backend.env(),
                       cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert r.returncode == 0 and r.stdout == b"" and r.stderr == b""


def test_shell_completion_through_argcomplete(backend, tmp_path):
    """The real argcomplete protocol completes channels and channel:name."""
    importorskip("argcomplete")
    p = producer(backend, """
        from CryoCore import API
        API.get_status("UnitTest")["runner4"] = 1
        API.get_status("UnitTest")["runner5"] = 1
        API.get_status("Other")["x"] = 1
        """)
    assert p.communicate()[1] == b""

    def complete(line):
        out = str(tmp_path / "completions")
        env = dict(backend.env(), _ARGCOMPLETE="1", COMP_LINE=line, COMP_POINT=str(len(line)),
                   _ARGCOMPLETE_STDOUT_FILENAME=out, COMP_WORDBREAKS=" \t\n\"'><=;|&(:")
        subprocess.call([sys.executable, TOOL], env=env, cwd=ROOT)
        with open(out) as f:
            return sorted(w.strip() for w in f.read().split("\013") if w.strip())
    assert complete("TailStatus.py Un") == ["UnitTest:"]
    got = complete("TailStatus.py UnitTest:r")  # argcomplete may cut at bash's ':' break
    assert got in (["runner4", "runner5"], ["UnitTest:runner4", "UnitTest:runner5"])
    assert complete("TailStatus.py --channel O") == ["Other"]


def test_follow_by_name_shows_only_matching_rows_also_of_a_channel_made_later(backend):
    """-f with --channel and channel:name shows only matching new rows, of channels made after start."""
    p = producer(backend, """
        from CryoCore import API
        API.get_status("Early")["x"] = 0
        """)
    assert p.communicate()[0] == b""
    for args, wanted in ((["--channel", "Late"], {"[Late] a = 1", "[Late] b = 2"}),
                         (["Late:b"], {"[Late] b = 2"})):
        tail, lines = start_tail(backend, "-f", "-n", "0", *args)
        try:
            time.sleep(1.0)  # the tool is following (it prints nothing for -n 0)
            p = producer(backend, """
                from CryoCore import API
                API.get_status("Early")["x"] = 5
                late = API.get_status("Late")
                late["a"] = 1
                late["b"] = 2
                API.get_status("Later")["b"] = 3
                API.shutdown()
                """)
            out, err = p.communicate()
            assert p.returncode == 0, err
            assert lines.wait_for(lambda ls: any("[Late] b = 2" in l for l in ls), 10), lines.lines
            time.sleep(0.5)  # one more poll: nothing else may arrive
            shown = set(l[l.index(" ["):].strip() for l in lines.lines)
            assert shown == wanted, (args, lines.lines)
        finally:
            stop(tail)
