"""Cost of the last-known-good copy vs the full database load it follows.

On a version of N parameters (temp SQLite, or MariaDB with --mysql): the time of
a full load from the database (the baseline, measured in this run), of writing
the copy (JSON, fsync, rename) and of starting from the copy.  Prints ms and the
ratios to the baseline.

    python bench/config_lkg.py [--mysql] [--host 127.0.0.1] [--port 3306] [-n 2000]
"""
from __future__ import absolute_import, division, print_function

import argparse
import os
import shutil
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from CryoCore import API  # noqa: E402
from CryoCore.Core import _config_lkg  # noqa: E402
from CryoCore.Core._config_store import Store  # noqa: E402


def best(fn, repeat=5):
    times = []
    for _ in range(repeat):
        start = time.perf_counter() if hasattr(time, "perf_counter") else time.time()
        fn()
        end = time.perf_counter() if hasattr(time, "perf_counter") else time.time()
        times.append(end - start)
    return min(times) * 1000.0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mysql", action="store_true")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3306)
    p.add_argument("--user", default="root")
    p.add_argument("--password", default="")
    p.add_argument("-n", type=int, default=2000, help="parameters in the version")
    args = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="cc-bench-lkg-")
    lkg_dir = os.path.join(tmp, "lkg")
    if args.mysql:
        name = "ccbench_%s" % uuid.uuid4().hex[:10]
        settings = {"db_type": "mysql", "db_host": args.host, "db_port": args.port,
                    "db_user": args.user, "db_password": args.password, "db_name": name}
    else:
        name = None
        settings = {"db_type": "sqlite", "db_path": os.path.join(tmp, "bench.db")}
    settings["config_lkg_dir"] = lkg_dir
    try:
        cfg = API.get_config(None, db_cfg=settings)
        items = [("Bench.f%d.p%d" % (i // 50, i), i * 1.5, "double", None) for i in range(args.n)]
        cfg._store.put_many(cfg._vc, items)
        API.reset()
        store = Store(settings)
        full = best(lambda: store._load_live("default", False, False))
        vc = store.versions["default"]
        save = best(lambda: _config_lkg.save(store.db.settings, vc))
        size = os.path.getsize(_config_lkg.path(store.db.settings, "default"))

        def from_copy():
            store.versions = {}
            store.copies.note_down(Exception("bench: database down"))
            store.copies.serve("default")
        store.stop()
        devnull = open(os.devnull, "w")
        err, sys.stderr = sys.stderr, devnull
        try:
            start = best(from_copy)
        finally:
            sys.stderr = err
            devnull.close()
        print("version of %d parameters on %s" % (args.n, "MariaDB" if args.mysql else "SQLite"))
        print("  full load from the database  %8.2f ms  (baseline)" % full)
        print("  write the copy (%6d bytes) %8.2f ms  ratio %.2f" % (size, save, save / full))
        print("  start from the copy          %8.2f ms  ratio %.2f" % (start, start / full))
    finally:
        API.reset()
        if name:
            from CryoCore.Core import InternalDB
            db = InternalDB.mysql("bench", config=dict(settings, db_name=name))
            db._execute("DROP DATABASE IF EXISTS `%s`" % name)
            db.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
