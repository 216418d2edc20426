#!/usr/bin/env python
"""Web dashboard: a trend of 24 hours and of 7 days of 1 Hz data, request to drawn.

604,800 rows (7 days at 1 Hz) of one parameter; headless Chromium opens /trends for
the last 24 h and the last 7 days (one bucket per pixel, about 1,300) N times each;
the page records the time from sending its history request to the chart drawn.
Baseline in the same run: the same bucket request by urllib (the server's part).
Budgets (the issue): 24 h at most 0.5 s, 7 days at most 2 s.

    python bench/web_trend.py [--mysql] [-n 3]
"""
from __future__ import absolute_import, division, print_function

import time

import _bench
import _webbench

DAYS = 7


def main():
    args = _bench.parse_args(__doc__, ("-n", 3, "loads per range"))
    with _bench.scratch_backend(args, settings_file=True) as backend:
        now = time.time()
        t = time.time()
        _webbench.bulk_history("Bench", "temperature", now - DAYS * 86400, DAYS * 86400)
        print("%s: %d rows stored in %.0f s" % (backend.label, DAYS * 86400, time.time() - t))
        from CryoCore import API
        API.shutdown()
        server = _webbench.server(backend)
        b = _webbench.browser()
        out = []
        try:
            from urllib.request import urlopen
            for span, budget in ((86400, 0.5), (DAYS * 86400, 2.0)):
                raw, page, points = [], [], 0
                for _ in range(args.n):
                    t = time.time()
                    urlopen("%s/api/history?param=Bench:temperature&since=-%d&buckets=1300"
                            % (server.url, span)).read()
                    raw.append(time.time() - t)
                for i in range(args.n):
                    b.driver.get("%s/trends?param=Bench:temperature&range=%d" % (server.url, span))
                    chart = b.wait(lambda d: d.find_element(
                        "css selector", ".chart[data-param='Bench:temperature'][data-ms]"), 60)
                    page.append(int(chart.get_attribute("data-ms")) / 1000.0)
                    points = int(chart.get_attribute("data-points"))
                    if i == 0 and span == 86400:
                        b.screenshot("bench-trend-24h")
                out.append("last %s: drawn median %.2f s, worst %.2f s (budget %.1f s), "
                           "%d points; server alone %.2f s; page / server = %.2f"
                           % ("24 h" if span == 86400 else "7 days", _webbench.pct(page, 50),
                              max(page), budget, points, _webbench.pct(raw, 50),
                              _webbench.pct(page, 50) / _webbench.pct(raw, 50)))
        finally:
            b.quit()
            server.stop()
    for line in out:
        print("%s, %s" % (backend.label, line))


if __name__ == "__main__":
    main()
