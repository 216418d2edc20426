"""Test helpers for the history-out tools: store known rows with a real producer process,
run a tool in-process as its console script would, require an optional extra."""
from __future__ import absolute_import, division, print_function

import io
import json
import os
import subprocess
import sys

import pytest

from CryoCore import API
from CryoCore.Tools import _common

HERE = os.path.dirname(os.path.abspath(__file__))
from conftest import IN_CI  # noqa: E402 (one CI test for the whole suite)


def produce(backend, tmp_path, rows, config=None):
    """Store `rows` (``(ts, channel, name, value)``) in `backend` from a producer process."""
    spec = str(tmp_path / "rows.json")
    with open(spec, "w") as f:
        json.dump({"rows": [list(r) for r in rows], "config": config or {}}, f)
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "_rows_producer.py"), spec],
                            env=backend.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate()
    assert proc.returncode == 0, err.decode("utf-8", "replace")


def in_time_order(rows):
    """`rows` as the reading layer returns them: by timestamp, ties in write order."""
    return [r for _, r in sorted(enumerate(rows), key=lambda ir: (ir[1][0], ir[0]))]


def run_tool(main, argv):
    """Run a tool's main(argv, out) like its console script: (exit status, stdout text)."""
    out = io.StringIO() if sys.version_info[0] > 2 else io.BytesIO()
    status = _common.run(lambda a: main(a, out=out), argv)
    API.reset()  # run() shuts the API down, as at the end of a real tool
    text = out.getvalue()
    return status, text.decode("utf-8") if isinstance(text, bytes) else text


def need(module):
    """Import an optional extra's module: skip without it locally, fail in CI."""
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as e:
        if IN_CI:
            pytest.fail("CI must install the extras: %s" % e)
        pytest.skip("needs %s" % module)


def one_error_line(err, *words):
    """Assert `err` is one ``Error: ...`` line that names each of `words`."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), err
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]
