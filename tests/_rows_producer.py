"""A producer process for the history-out tests: status rows with given timestamps.

    python tests/_rows_producer.py ROWS.json

ROWS.json is ``{"rows": [[timestamp, channel, name, value], ...], "config": {path: value}}``.
Every row is stored (``force_update``), in the order given, through the Status service
and its background writer; config values are set with ``set_default``.
"""
from __future__ import absolute_import, division, print_function

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def run(path):
    from CryoCore import API
    with open(path) as f:
        spec = json.load(f)
    try:
        if spec.get("config"):
            cfg = API.get_config()
            for name, value in sorted(spec["config"].items()):
                cfg.set_default(name, value)
        for ts, channel, name, value in spec["rows"]:
            API.get_status(channel)[name].set_value(value, force_update=True, timestamp=ts)
    finally:
        API.shutdown()


if __name__ == "__main__":
    run(sys.argv[1])
