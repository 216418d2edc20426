"""Cost of a config read (``cfg["x"]``, served from the cache) vs a plain dict lookup.

Both are timed with timeit in the same run, on a config of a few hundred
parameters; the database is a temp SQLite file, or MariaDB with --mysql
(reads never touch it either way).  Prints ns per read and the ratio.

    python bench/config_read.py [--mysql] [--host 127.0.0.1] [--port 3306] [-n 1000000]
"""
from __future__ import absolute_import, division, print_function

import argparse
import os
import shutil
import sys
import tempfile
import timeit
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from CryoCore import API  # noqa: E402


def settings_for(args, tmp):
    if not args.mysql:
        return {"db_type": "sqlite", "db_path": os.path.join(tmp, "bench.db")}, None
    name = "ccbench_%s" % uuid.uuid4().hex[:10]
    return {"db_type": "mysql", "db_host": args.host, "db_port": args.port, "db_user": args.user,
            "db_password": args.password, "db_name": name}, name


def best(stmt, n, glb):
    """Best of 5 runs, in ns per call."""
    return min(timeit.repeat(stmt, number=n, repeat=5, globals=glb)) / n * 1e9


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mysql", action="store_true")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=3306)
    p.add_argument("--user", default="root")
    p.add_argument("--password", default="")
    p.add_argument("-n", type=int, default=1000000)
    args = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="ccbench-")
    settings, dbname = settings_for(args, tmp)
    try:
        API.set_config_db(settings)
        root = API.get_config()
        items = dict(("Module%d.param%d" % (i // 20, i), i) for i in range(400))
        for path, value in items.items():
            root.add(path, value)
        cfg = API.get_config("Module7")
        plain = dict((k.split(".", 1)[1], v) for k, v in items.items() if k.startswith("Module7."))
        assert cfg["param150"] == plain["param150"] == 150
        glb = {"cfg": cfg, "plain": plain, "root": root}
        n = args.n
        d = best('plain["param150"]', n, glb)
        c = best('cfg["param150"]', n, glb)
        a = best('root["Module7.param150"]', n, glb)
        g = best('cfg.get("param150").value', n // 10, glb)
        backend = "MariaDB" if args.mysql else "SQLite"
        print("config read cost (%s, Python %s, %d reads)" % (backend, sys.version.split()[0], n))
        print("  plain dict lookup         %7.1f ns" % d)
        print("  cfg[\"param150\"]           %7.1f ns   ratio %.1fx" % (c, c / d))
        print("  root[\"Module7.param150\"]  %7.1f ns   ratio %.1fx" % (a, a / d))
        print("  cfg.get(...).value        %7.1f ns   ratio %.1fx" % (g, g / d))
    finally:
        API.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
        if dbname:
            import mysql.connector
            conn = mysql.connector.connect(host=args.host, port=args.port, user=args.user,
                                           password=args.password, use_pure=True)
            conn.cursor().execute("DROP DATABASE IF EXISTS `%s`" % dbname)
            conn.close()


if __name__ == "__main__":
    main()
