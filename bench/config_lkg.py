"""Cost of the last-known-good copy vs the full database load it follows.

On a version of N parameters (temp SQLite, or MariaDB with --mysql): the time of
a full load from the database (the baseline, measured in this run), of writing
the copy (JSON, fsync, rename) and of starting from the copy.  Prints ms and the
ratios to the baseline.

    python bench/config_lkg.py [--mysql] [--host 127.0.0.1] [--port 3306] [-n 2000]
"""
from __future__ import absolute_import, division, print_function

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _bench  # noqa: E402
from CryoCore import API  # noqa: E402
from CryoCore.Core import _config_lkg  # noqa: E402
from CryoCore.Core._config_store import Store  # noqa: E402

def best(fn, repeat=5):
    """Best of `repeat` runs, in ms."""
    return _bench.best(fn, repeat) * 1000.0


def main():
    args = _bench.parse_args(__doc__, ("-n", 2000, "parameters in the version"))
    with _bench.scratch_backend(args) as backend:
        settings = dict(backend.settings, config_lkg_dir=os.path.join(backend.tmp, "lkg"))
        cfg = API.get_config(None, db_cfg=settings)
        items = [("Bench.f%d.p%d" % (i // 50, i), i * 1.5, "double", None) for i in range(args.n)]
        cfg._store.put_many(cfg._vc, items)
        API.reset()
        store = Store(settings)
        full = best(lambda: store._load_live("default", False, False))
        vc = store.versions["default"]
        save = best(lambda: _config_lkg.save(store.db.settings, vc))
        size = os.path.getsize(_config_lkg.path(store.db.settings, "default"))
        store.stop()

        def from_copy():
            store.versions = {}
            store.copies.note_down(Exception("bench: database down"))
            store.copies.serve("default")
        devnull = open(os.devnull, "w")
        err, sys.stderr = sys.stderr, devnull  # the "running from its copy" lines
        try:
            start = best(from_copy)
        finally:
            sys.stderr = err
            devnull.close()
        print("version of %d parameters on %s" % (args.n, backend.label))
        print("  full load from the database  %8.2f ms  (baseline)" % full)
        print("  write the copy (%6d bytes) %8.2f ms  ratio %.2f" % (size, save, save / full))
        print("  start from the copy          %8.2f ms  ratio %.2f" % (start, start / full))
        API.reset()


if __name__ == "__main__":
    main()
