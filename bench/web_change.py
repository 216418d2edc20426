#!/usr/bin/env python
"""Web dashboard: time from a status change in another process to the value in the page.

A headless Chromium shows /status; another process sets a value N times (a fresh
value every 0.7 s); the page records when each value appears (MutationObserver,
browser clock = this machine's clock).  Reported: median and p95 in seconds, and
the p95 as a ratio of the issue's budget (1.5 s, the writer's 0.5 s interval included).

    python bench/web_change.py [--mysql] [-n 30]
"""
from __future__ import absolute_import, division, print_function

import subprocess
import sys
import time

import _bench
import _webbench

BUDGET = 1.5

WRITER = """
import sys, time
from CryoCore import API
s = API.get_status("Bench")
for i in range(%d):
    s["probe"] = "v%%d@%%.6f" %% (i, time.time())
    time.sleep(0.7)
API.shutdown()
"""

OBSERVE = """
window.ccSeen = [];
var target = document.querySelector('[data-param="Bench:probe"]');
new MutationObserver(function () {
  window.ccSeen.push([target.textContent, Date.now() / 1000]);
}).observe(target, {childList: true, characterData: true, subtree: true});
"""


def main():
    args = _bench.parse_args(__doc__, ("-n", 30, "changes"))
    with _bench.scratch_backend(args, settings_file=True) as backend:
        from CryoCore import API
        API.get_status("Bench")["probe"] = "start"
        API.shutdown()
        server = _webbench.server(backend)
        b = _webbench.browser()
        try:
            d = b.driver
            d.get(server.url + "/status")
            b.wait(lambda d: d.find_elements("css selector", '[data-param="Bench:probe"]'), 20)
            time.sleep(1.0)
            d.execute_script(OBSERVE)
            subprocess.check_call([sys.executable, "-c", WRITER % args.n],
                                  env=_webbench.Env(backend.settings_file).env())
            time.sleep(2)
            seen = d.execute_script("return window.ccSeen")
        finally:
            b.quit()
            server.stop()
    delays = {}
    for text, shown in seen:
        if "@" in text:
            sent = float(text.split("@")[1])
            delays.setdefault(text, shown - sent)
    got = sorted(delays.values())
    print("%s: %d of %d changes shown; median %.2f s, p95 %.2f s, max %.2f s; "
          "p95 / budget %.1f s = %.2f" % (backend.label, len(got), args.n, _webbench.pct(got, 50),
                                          _webbench.pct(got, 95), got[-1], BUDGET,
                                          _webbench.pct(got, 95) / BUDGET))


if __name__ == "__main__":
    main()
