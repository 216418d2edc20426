"""A producer process that stores given status rows through the API, for the reader tests.

    python tests/_status_rows.py SPEC.json [HOLD_SECONDS]

SPEC holds ``{"rows": [[channel, name, value, timestamp], ...],
"grids": [[channel, name, [sizex, sizey], x, y, value, timestamp], ...],
"expire": {"channel:name": seconds}, "log": [[logger, level, message], ...]}``.
Every row is stored (``force_update``), in the order given.  Prints ``stored``
once the writer has stored them all, then stays up HOLD_SECONDS (default 0:
shuts down at once), printing ``bye`` at the end.
"""
from __future__ import absolute_import, division, print_function

import json
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)



def run(spec, hold):
    from CryoCore import API
    expire = spec.get("expire", {})
    for channel, name, value, ts in spec.get("rows", []):
        holder = API.get_status(channel)
        element = holder.new(name, expire_time=expire.get("%s:%s" % (channel, name)))
        element.set_value(value, force_update=True, timestamp=ts)
    for channel, name, size, x, y, value, ts in spec.get("grids", []):
        element = API.get_status(channel).new2d(name, tuple(size),
                                                expire_time=expire.get("%s:%s" % (channel, name)))
        element.set_value((x, y), value, force_update=True, timestamp=ts)
    for logger, level, message in spec.get("log", []):
        API.get_log(logger).log(level, message)
    assert API.flush(60), "rows not stored within 60 s"
    print("stored")
    sys.stdout.flush()
    deadline = time.time() + hold
    while time.time() < deadline and not API.api_stop_event.is_set():
        time.sleep(0.05)
    API.shutdown()
    print("bye")
    sys.stdout.flush()


def produce(backend, directory, spec, hold=0.0, wait=True):
    """Run this script in a subprocess on `backend`; returns the Popen once it printed
    ``stored`` (and, with `wait`, has ended)."""
    import subprocess
    path = os.path.join(str(directory), "spec-%d.json" % int(time.time() * 1e6))
    with open(path, "w") as f:
        json.dump(spec, f)
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), path, str(hold)],
                            stdout=subprocess.PIPE, env=backend.env())
    first = proc.stdout.readline().decode("utf-8").strip()
    assert first == "stored", "producer said %r" % first
    if wait:
        rest = proc.communicate()[0].decode("utf-8")
        assert proc.returncode == 0 and rest.strip() == "bye", (proc.returncode, rest)
    return proc


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        loaded = json.load(f)
    run(loaded, float(sys.argv[2]) if len(sys.argv) > 2 else 0.0)
