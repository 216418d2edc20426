"""CPU an idle process spends on config after a bulk write (issue 11 item 8).

N parameters are imported (one XML import), then a child process that only holds
``API.get_config("Bulk")`` is watched: its CPU time (user + system, from
/proc/PID/stat) over `-s` seconds, starting 3 s after the import so the look-back
has passed.  The baseline, measured in the same run, is the same child holding a
config view of an empty version.  Prints CPU % of one core for both and the ratio.

    python bench/config_idle.py [--mysql] [--host 127.0.0.1] [--port 3306] [-n 2000] [-s 5]
"""
from __future__ import absolute_import, division, print_function

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _bench  # noqa: E402
from CryoCore import API  # noqa: E402

HOLDER = """
import sys
from CryoCore import API
cfg = API.get_config(sys.argv[1])
sys.stdout.write("ready\\n")
sys.stdout.flush()
sys.stdin.readline()
"""


def cpu_seconds(pid):
    """User + system CPU seconds of process `pid` (Linux /proc)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))


def idle_cpu(root, seconds, settle):
    """CPU % of one core that a process holding get_config(root) spends while idle."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, root], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=_bench.ROOT))
    try:
        proc.stdout.readline()
        time.sleep(settle)
        start, t0 = cpu_seconds(proc.pid), time.time()
        time.sleep(seconds)
        return 100.0 * (cpu_seconds(proc.pid) - start) / (time.time() - t0)
    finally:
        proc.stdin.write(b"\n")
        proc.stdin.flush()
        proc.wait()


def main():
    args = _bench.parse_args(__doc__, ("-n", 2000, "parameters imported"),
                             ("-s", 5, "seconds of idle measured"))
    with _bench.scratch_backend(args, settings_file=True) as backend:
        API.get_config("Empty").set_default("x", 1)
        baseline = idle_cpu("Empty", args.s, 1.0)
        xml = "<configuration>%s</configuration>" % "".join(
            "<p%d>%d</p%d>" % (i, i, i) for i in range(args.n))
        start = time.time()
        API.get_config("Bulk").import_xml(xml)
        took = time.time() - start
        API.shutdown()
        # the holder starts right after the import: its first seconds are within the
        # look-back; measured once that has passed
        after = idle_cpu("Bulk", args.s, max(0.0, 3.0 - (time.time() - start - took)))
        print("%s: idle CPU holding get_config after importing %d parameters: %.2f%% "
              "(baseline, an empty version: %.2f%%; ratio %.2f)"
              % (backend.label, args.n, after, baseline, after / baseline if baseline else 0))


if __name__ == "__main__":
    main()
