#!/usr/bin/env python
"""Web dashboard: first load of the status page with 5,000 parameters in 100 channels.

Headless Chromium with an empty cache opens /status N times; measured from navigation
start to every value in the page (the page marks itself loaded), and the bytes
transferred (compressed) for the page, its scripts, styles and /api/latest.
Baseline in the same run: a plain urllib GET of /api/latest (the data alone, no page).
Budgets (the issue): at most 1 s and 300 KB.

    python bench/web_load.py [--mysql] [-n 5]
"""
from __future__ import absolute_import, division, print_function

import time

import _bench
import _webbench

MEASURE = """
var nav = performance.getEntriesByType('navigation')[0];
var all = [nav].concat(performance.getEntriesByType('resource'));
return {bytes: all.reduce(function (n, e) { return n + (e.transferSize || 0); }, 0),
        count: document.querySelectorAll('[data-param]').length,
        ms: window.ccLoadedAt};
"""

MARK = """
new MutationObserver(function (m, obs) {
  if (document.getElementById('status').dataset.loaded) {
    window.ccLoadedAt = performance.now(); obs.disconnect();
  }
}).observe(document.getElementById('status'), {attributes: true});
"""


def main():
    args = _bench.parse_args(__doc__, ("-n", 5, "page loads"))
    with _bench.scratch_backend(args, settings_file=True) as backend:
        from CryoCore import API
        API.shutdown_grace_period = 300
        now = time.time()
        for c in range(100):
            holder = API.get_status("ch%03d" % c)
            for p in range(50):
                holder.new("param_%02d" % p).set_value("%.4f" % (c + p / 100.0), timestamp=now)
        API.shutdown()
        server = _webbench.server(backend)
        loads, raw = [], []
        try:
            from urllib.request import urlopen
            for _ in range(args.n):
                t = time.time()
                body = urlopen(server.url + "/api/latest").read()
                raw.append(time.time() - t)
            for _ in range(args.n):
                b = _webbench.browser()  # a fresh profile: nothing cached
                try:
                    b.driver.get(server.url + "/status")
                    b.driver.execute_script(MARK)
                    b.wait(lambda d: d.execute_script(
                        "return document.getElementById('status').dataset.loaded"), 30)
                    time.sleep(0.3)
                    m = b.driver.execute_script(MEASURE)
                    if m["ms"] is None:  # loaded before the observer was attached
                        m["ms"] = b.driver.execute_script(
                            "return performance.now()")
                    loads.append(m)
                finally:
                    b.quit()
        finally:
            server.stop()
    ms = sorted(m["ms"] / 1000.0 for m in loads)
    kb = max(m["bytes"] for m in loads) / 1024.0
    print("%s, 5,000 values (%d in the page): first load median %.2f s, worst %.2f s "
          "(budget 1 s); %.0f KB transferred (budget 300 KB); raw /api/latest %.0f KB "
          "uncompressed in %.2f s; page / raw = %.1f"
          % (backend.label, loads[0]["count"], _webbench.pct(ms, 50), ms[-1], kb,
             len(body) / 1024.0, _webbench.pct(raw, 50),
             _webbench.pct(ms, 50) / _webbench.pct(raw, 50)))


if __name__ == "__main__":
    main()
