"""Config history: `ConfigTool.py list --at T` on a 10,000-parameter tree with 1,000,000 changes.

Builds the tree (XML import), moves its history back 40 days, then adds changes of random
parameters spread over the last 30 days (plain multi-row INSERTs) until the history holds
--rows rows.  Times, in this process: `list --at T` for T 20 days ago, 1 day ago and now,
against the baseline `list` of the live tree (a fresh load of the version from the config
table).  Budget: `list --at` under 1 s on MariaDB.

    python bench/config_history_at.py --mysql [--rows 1000000] [--params 10000]
"""
from __future__ import absolute_import, division, print_function

import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _bench  # noqa: E402
from CryoCore import API  # noqa: E402
from CryoCore.Tools import ConfigTool  # noqa: E402

BUDGET_S = 1.0
DAY = 86400.0
BATCH = 2000


def build(params):
    """`params` parameters in Module*/Sub* folders of 10."""
    parts = ["<configuration>"]
    n = 0
    for m in range(max(params // 100, 1)):
        parts.append("<Module%03d>" % m)
        for s in range(10):
            parts.append("<Sub%d>" % s)
            for p in range(10):
                parts.append("<param%d>%d</param%d>" % (p, n, p))
                n += 1
            parts.append("</Sub%d>" % s)
        parts.append("</Module%03d>" % m)
    parts.append("</configuration>")
    API.get_config().import_xml("".join(parts).encode("utf-8"))
    API.shutdown()


def fill(backend, rows):
    """Add changes until config_history holds `rows` rows; returns how many were added."""
    conn = backend.raw_connection()
    cur = conn.cursor()
    cur.execute("UPDATE config_history SET time = time - %s", (40 * DAY,))
    cur.execute("SELECT config_id, path, name, parent, value FROM config_history "
                "WHERE op = 'add' AND datatype = 'integer'")
    leaves = cur.fetchall()
    cur.execute("SELECT COUNT(*) FROM config_history")
    have = cur.fetchone()[0]
    todo = max(rows - have, 0)
    now = time.time()
    start = now - 30 * DAY
    rnd = random.Random(16)
    last = dict((r[0], r[4]) for r in leaves)
    columns = ("time, version, config_id, parent, path, name, op, value, datatype, comment, "
               "old_value, old_datatype, old_comment, user, host, program, cc_key")
    one = "(" + ",".join(["%s"] * 17) + ")"
    done = 0
    while done < todo:
        n = min(BATCH, todo - done)
        values = []
        for i in range(n):
            cid, path, name, parent, _ = leaves[rnd.randrange(len(leaves))]
            t = start + (done + i) * (30 * DAY - 60) / todo
            value = str(rnd.randrange(10 ** 6))
            values.extend([t, "default", cid, parent, path, name, "set", value, "integer", None,
                           last[cid], "integer", None, "bench", "benchhost", "bench",
                           "b%d" % (done + i)])
            last[cid] = value
        cur.execute("INSERT INTO config_history (%s) VALUES %s" % (columns, ",".join([one] * n)),
                    values)
        done += n
    conn.close()
    return todo, last


def timed(argv, runs=3):
    """Median seconds of ConfigTool.main(argv) in this process, output to /dev/null."""
    times = []
    for _ in range(runs):
        API.reset()
        stdout, sys.stdout = sys.stdout, open(os.devnull, "w")
        try:
            t = time.time()
            ConfigTool.main(argv)
            times.append(time.time() - t)
        finally:
            sys.stdout.close()
            sys.stdout = stdout
        API.shutdown()
    return sorted(times)[len(times) // 2]


def main():
    args = _bench.parse_args(__doc__, ("--rows", 1000000, "history rows"),
                             ("--params", 10000, "parameters in the tree"))
    with _bench.scratch_backend(args, settings_file=True) as backend:
        t = time.time()
        build(args.params)
        added, last = fill(backend, args.rows) if backend.kind == "mysql" else (0, {})
        if backend.kind != "mysql":
            print("(filling the history uses MariaDB; on SQLite only the tree is timed)")
        print("%s: %d parameters, %d history rows (%d added) in %.0f s"
              % (backend.label, args.params, max(args.rows, args.params), added,
                 time.time() - t))
        if backend.kind == "mysql":
            conn = backend.raw_connection()
            cur = conn.cursor()
            cur.execute("EXPLAIN SELECT version, config_id, MAX(time) FROM config_history WHERE "
                        "version >= 'default' AND version <= 'default' AND time <= %s "
                        "GROUP BY version, config_id", (time.time() - DAY,))
            print("plan:", [(r[2], r[3], r[5], r[-1]) for r in cur.fetchall()])
            conn.close()
        base = timed(["list", "Module000"]) and timed(["list"])
        print("baseline  list (live tree, fresh load)  %.3f s" % base)
        for label, at in (("20 days ago", time.time() - 20 * DAY),
                          ("1 day ago", time.time() - DAY), ("now", time.time() - 1)):
            s = timed(["list", "--at", repr(at)])
            print("list --at %-12s %.3f s  %.1fx the live list  (budget %.1f s: %s)"
                  % (label, s, s / base, BUDGET_S, "ok" if s < BUDGET_S else "OVER"))
        if last:  # check the answer once: the tree now is the last value of each parameter
            cfg = API.get_config(None, at=time.time())
            paths = API.get_config(None).search("param")
            wrong = [p.path for p in paths if p.datatype == "integer"
                     and str(cfg[p.path]) != last.get(p.id, str(p.value))]
            print("tree at now == last change of every parameter: %s"
                  % ("yes" if not wrong else "NO (%d differ)" % len(wrong)))


if __name__ == "__main__":
    main()
