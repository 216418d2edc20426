"""Hostile numbers and times in tool flags (--since, -n, --level, -C): rows or one clear
error, never an SQL error or a traceback (issue 8)."""
from __future__ import absolute_import, division, print_function

import re

import pytest

from conftest import importorskip  # noqa: E402

importorskip("hypothesis")

from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from CryoCore import API  # noqa: E402
from CryoCore.Tools import TailLog, TailStatus, _common  # noqa: E402

from _hostile import PROPERTY, argv_text  # noqa: E402

SPECIAL = ["nan", "-nan", "inf", "-inf", "1e400", "-1e400", "-0", "0x10", "1_000", u"\u00b2",
           "99999999999999999999", "-99999999999999999999", "9" * 400, "1e-400", " 5 ", "5s",
           "-5m", "0d", "1.5h", "Tue Aug  2 11:44:23 2016", "Feb 30 2016"]
numbers = st.one_of(st.sampled_from(SPECIAL), argv_text,
                    st.integers().map(str), st.floats().map(repr))


@pytest.fixture
def rows(backend):
    API.get_log("x").warning("m")
    API.get_status("c")["p"] = 1
    assert API.flush(30)
    return backend


def _run(capsys, main, argv):
    try:
        code = _common.run(main, argv)
    except SystemExit as e:  # argparse: usage and one error line
        code = e.code
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err
    assert "Error: mysql://" not in err and "Error: sqlite:" not in err, (argv, err)
    if code == 1:
        assert len(err.strip().splitlines()) == 1 and err.startswith("Error: "), err
    if code == 2:
        assert err.strip().splitlines()[-1].startswith(("TailLog.py: error: ",
                                                        "TailStatus.py: error: ")), err
    return code, out.splitlines()


def _n_expected(flag, value, lines):
    """-n with a plain non-negative integer shows that many of the one stored row."""
    if flag == "-n" and re.match(r"[0-9]+\Z", value.strip()):
        assert len(lines) == min(int(value.strip()), 1), (value, lines)


@PROPERTY
@given(flag=st.sampled_from(["--since", "-n", "--level", "-C", "-A"]), value=numbers)
@example(flag="-n", value="1")
@example(flag="-n", value=" 5 ")
@example(flag="-n", value="0")
def test_taillog_numeric_flags(rows, capsys, flag, value):
    """Hostile numbers in TailLog's flags give the one stored row (or none), or one clear error."""
    code, lines = _run(capsys, TailLog.main, ["--bw", flag + "=" + value] +
                       (["--grep", "m"] if flag in ("-C", "-A") else []))
    if code == 0:  # only the row the fixture wrote, once, in the original's layout
        assert len(lines) <= 1 and all(re.match(
            r"\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \[WARNING\]\[ *\S+ \( *\d+\)\]\[ +x\] m\Z",
            line) for line in lines), (flag, value, lines)
        _n_expected(flag, value, lines)


@PROPERTY
@given(flag=st.sampled_from(["--since", "-n"]), value=numbers)
@example(flag="-n", value="1")
@example(flag="-n", value="0")
def test_tailstatus_numeric_flags(rows, capsys, flag, value):
    """Hostile numbers in TailStatus's flags: the one stored row (or none), or one clear error."""
    code, lines = _run(capsys, TailStatus.main, ["--bw", flag + "=" + value])
    if code == 0:
        assert len(lines) <= 1 and all(re.match(
            r"\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \[c\] p = 1\Z", line)
            for line in lines), (flag, value, lines)
        _n_expected(flag, value, lines)
