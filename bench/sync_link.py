"""DbSync over a 256 kbit/s link: status rows/s, bytes per row on the wire, and how late
the latest-values lane is while the backlog drains (Python 3: the proxy is asyncio).

The ground is a scratch MariaDB database behind tests/_faultproxy.py, which counts every
byte; DbSync runs as the tool does (`--follow --max-kbps 256`).

Phase 1: a 200,000-row status backlog; rows/s and bytes/row (proxy bytes / rows copied)
over the steady part (after the first 5 s).  Target >= 2,000 rows/s; about 10-13 B/row.
Phase 2: the same with a producer setting channel Live 10 times a second and
`--latest Live --latest-every 2`: the age of the ground's newest Live value against the
field's, sampled every 0.25 s.  Target: within twice the period (4 s).

    python bench/sync_link.py [--seconds 20] [--host 127.0.0.1] [--port 3306]
"""
from __future__ import absolute_import, division, print_function

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))

import _bench  # noqa: E402
from _faultproxy import FaultProxy  # noqa: E402
from _sync_field import make_field  # noqa: E402

TOOL = os.path.join(os.path.dirname(HERE), "CryoCore", "Tools", "DbSync.py")


def ground_count(ground, source):
    conn = ground.raw_connection()
    try:
        cur = conn.cursor()
        cur.execute("SELECT COUNT(*) FROM status WHERE cc_source = (SELECT id FROM "
                    "cc_sync_source WHERE name = %s)", (source,))
        return cur.fetchone()[0]
    except Exception:  # tables not made yet
        return 0
    finally:
        conn.close()


def newest(ground_or_path, source=None):
    """Timestamp of the newest Live:x row (field SQLite path, or the ground)."""
    sql = ("SELECT MAX(s.timestamp) FROM status s JOIN status_parameter p ON p.paramid = s.paramid "
           "JOIN status_channel c ON c.chanid = p.chanid WHERE c.name = 'Live' AND p.name = 'x'")
    if isinstance(ground_or_path, str):
        conn = sqlite3.connect(ground_or_path)
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    conn = ground_or_path.raw_connection()
    try:
        cur = conn.cursor()
        cur.execute(sql)
        return cur.fetchone()[0]
    except Exception:
        return None
    finally:
        conn.close()


def live_producer(path, stop):
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO status_channel (name) VALUES ('Live')")
    chan = conn.execute("SELECT chanid FROM status_channel WHERE name = 'Live'").fetchone()[0]
    conn.execute("INSERT INTO status_parameter (name, chanid) VALUES ('x', ?)", (chan,))
    param = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
    conn.commit()
    k = 0
    while not stop.is_set():
        conn.execute("INSERT INTO status (timestamp, paramid, chanid, value) VALUES (?, ?, ?, ?)",
                     (time.time(), param, chan, str(k)))
        conn.commit()
        k += 1
        time.sleep(0.1)
    conn.close()


def run_phase(ground, field_path, source, seconds, extra, tmp, proxy, sample=None):
    settings = dict(ground.settings, db_host="127.0.0.1", db_port=proxy.port)
    path = _bench.write_settings(tmp, settings, "ground-%s.json" % source)
    field_settings = _bench.write_settings(tmp, {"db_type": "sqlite", "db_path": field_path},
                                           "field-%s.json" % source)
    env = dict(os.environ, CRYOCORE_CONFIG=field_settings, HOME=tmp)
    proc = subprocess.Popen([sys.executable, TOOL, "--to", path, "--follow", "--source", source,
                             "--max-kbps", "256", "--tables", "status"] + extra, env=env)
    marks, samples = [], []
    start = time.time()
    try:
        while time.time() - start < seconds:
            time.sleep(0.25)
            now = time.time() - start
            if sample is not None and now > 3:
                samples.append(sample())
            if now > 5 and (not marks or now - marks[-1][0] >= 1):
                marks.append((now, ground_count(ground, source), sum(e[1] for e in proxy.events)))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait()
    (t0, r0, b0), (t1, r1, b1) = marks[0], marks[-1]
    return (r1 - r0) / (t1 - t0), (b1 - b0) / float(max(1, r1 - r0)), samples, proxy.bytes_in_window(10)


def main():
    args = _bench.parse_args(__doc__, ("--seconds", 20, "seconds per phase"), mysql_only=True)
    with _bench.scratch_backend(args) as ground:
        proxy = FaultProxy((ground.server["host"], ground.server["port"])).start()
        try:
            field_path = os.path.join(ground.tmp, "field.db")
            make_field(field_path, 200000)
            rate, per_row, _, window = run_phase(ground, field_path, "link", args.seconds, [],
                                                 ground.tmp, proxy)
            print("256 kbit/s cap: %.0f status rows/s (target >= 2000), %.1f bytes/row on the wire, "
                  "busiest 10 s: %.0f of %.0f bytes" % (rate, per_row, window, 256000 / 8.0 * 10))
            stop = threading.Event()
            producer = threading.Thread(target=live_producer, args=(field_path, stop))
            producer.start()
            proxy.events[:] = []
            try:
                def age():
                    f, g = newest(field_path), newest(ground)
                    return None if f is None else f - (g or 0)
                rate2, _, ages, _ = run_phase(ground, field_path, "latest", args.seconds,
                                              ["--latest", "Live", "--latest-every", "2"],
                                              ground.tmp, proxy, sample=age)
            finally:
                stop.set()
                producer.join()
            ages = sorted(a for a in ages if a is not None)
            print("latest lane (period 2 s) while the backlog drains at %.0f rows/s: newest value "
                  "%.2f s behind at the median, %.2f s at worst (target <= 4 s)"
                  % (rate2, ages[len(ages) // 2], ages[-1]))
        finally:
            proxy.stop()


if __name__ == "__main__":
    main()
