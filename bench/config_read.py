"""Cost of a config read (``cfg["x"]``, served from the cache) vs a plain dict lookup.

Both are timed with timeit in the same run, on a config of a few hundred
parameters; the database is a temp SQLite file, or MariaDB with --mysql
(reads never touch it either way).  Prints ns per read and the ratio.

    python bench/config_read.py [--mysql] [--host 127.0.0.1] [--port 3306] [-n 1000000]
"""
from __future__ import absolute_import, division, print_function

import os
import sys
import timeit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _bench  # noqa: E402
from CryoCore import API  # noqa: E402


def best(stmt, n, glb):
    """Best of 5 runs, in ns per call."""
    return min(timeit.repeat(stmt, number=n, repeat=5, globals=glb)) / n * 1e9


def main():
    args = _bench.parse_args(__doc__, ("-n", 1000000, "reads per timing"))
    with _bench.scratch_backend(args) as backend:
        API.set_config_db(backend.settings)
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
        print("config read cost (%s, Python %s, %d reads)"
              % (backend.label, sys.version.split()[0], n))
        print("  plain dict lookup         %7.1f ns" % d)
        print("  cfg[\"param150\"]           %7.1f ns   ratio %.1fx" % (c, c / d))
        print("  root[\"Module7.param150\"]  %7.1f ns   ratio %.1fx" % (a, a / d))
        print("  cfg.get(...).value        %7.1f ns   ratio %.1fx" % (g, g / d))


if __name__ == "__main__":
    main()
