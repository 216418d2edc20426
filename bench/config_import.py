"""Import and deserialize of N parameters vs a raw multi-row INSERT (issue 11 item 10).

Times, on a fresh version each: ``import_xml`` of N parameters in folders of 50
(what ``ConfigTool.py import`` does), ``deserialize`` of the same tree serialized,
and the baseline measured in the same run: one multi-row INSERT of N rows into the
config table through InternalDB (no folders, no checks).  Prints seconds and ratios.

    python bench/config_import.py [--mysql] [--host 127.0.0.1] [--port 3306] [-n 2000]
"""
from __future__ import absolute_import, division, print_function

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _bench  # noqa: E402
from CryoCore import API  # noqa: E402

_clock = getattr(time, "perf_counter", time.time)


def timed(fn):
    start = _clock()
    result = fn()
    return _clock() - start, result


def main():
    args = _bench.parse_args(__doc__, ("-n", 2000, "parameters"))
    n = args.n
    with _bench.scratch_backend(args) as backend:
        settings = backend.settings
        xml = "<configuration><Bench>%s</Bench></configuration>" % "".join(
            "<f%d>%s</f%d>" % (f, "".join("<p%d>%d</p%d>" % (i, i, i)
                                          for i in range(f * 50, min(n, f * 50 + 50))), f)
            for f in range((n + 49) // 50))
        cfg = API.get_config(None, "import", db_cfg=settings)
        t_import, count = timed(lambda: cfg.import_xml(xml))
        assert count == n, count
        text = cfg.serialize("Bench")
        target = API.get_config(None, "deserialize", db_cfg=settings)
        t_deser, count = timed(lambda: target.deserialize(text))
        assert count == n, count
        store = cfg._store
        vid = store.version("raw").id
        rows = [(vid, 0, "p%d" % i, str(i), "integer") for i in range(n)]

        def raw():
            with store.db._transaction():
                store.db._insert_many("config", ("version", "parent", "name", "value",
                                                 "datatype"), rows)
        t_raw, _ = timed(raw)
        print("%s, %d parameters: import %.3f s (%.1fx raw), deserialize %.3f s (%.1fx raw); "
              "raw multi-row INSERT %.3f s" % (backend.label, n, t_import, t_import / t_raw,
                                               t_deser, t_deser / t_raw, t_raw))


if __name__ == "__main__":
    main()
