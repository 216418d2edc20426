#!/usr/bin/env python
"""Web dashboard: 20 SSE clients connected, server CPU while nothing changes, and one
change delivered to every client.

Starts WebServer.py, connects 20 /api/stream clients (threads reading the events),
samples the server process's CPU time (/proc/PID/stat) over S idle seconds, then sets
one status value from this process and checks that all 20 clients get it.
Baseline in the same run: the idle server's CPU with no client connected (no polling).
Budget (the issue): under 10% of one core while idle.

    python bench/web_sse_idle.py [--mysql] [-s 10]
"""
from __future__ import absolute_import, division, print_function

import json
import os
import threading
import time

import _bench
import _webbench

CLIENTS = 20


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / float(os.sysconf("SC_CLK_TCK"))


def cpu_share(pid, seconds):
    start, t = cpu_seconds(pid), time.time()
    time.sleep(seconds)
    return (cpu_seconds(pid) - start) / (time.time() - t)


def reader(resp, got, stop):
    try:
        _read(resp, got, stop)
    except (AttributeError, ValueError, IOError, OSError):
        pass  # the bench closed the connection


def _read(resp, got, stop):
    name = None
    for raw in iter(resp.readline, b""):
        line = raw.decode("utf-8").rstrip("\n")
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: ") and name == "status":
            for row in json.loads(line[6:]):
                got.append((row[3], row[4], time.time()))
        if stop.is_set():
            return


def main():
    args = _bench.parse_args(__doc__, ("-s", 10, "idle seconds sampled"))
    with _bench.scratch_backend(args, settings_file=True) as backend:
        from CryoCore import API
        API.get_status("Bench")["probe"] = "start"
        API.shutdown()
        API.reset()
        server = _webbench.server(backend)
        stop = threading.Event()
        responses, received = [], [[] for _ in range(CLIENTS)]
        try:
            from urllib.request import urlopen
            time.sleep(1)
            idle_none = cpu_share(server.proc.pid, args.s)
            for i in range(CLIENTS):
                r = urlopen(server.url + "/api/stream", timeout=60)
                responses.append(r)
                th = threading.Thread(target=reader, args=(r, received[i], stop))
                th.daemon = True
                th.start()
            time.sleep(2)
            idle_20 = cpu_share(server.proc.pid, args.s)
            sent = time.time()
            API.get_status("Bench")["probe"] = "changed"
            API.shutdown()
            deadline = time.time() + 10
            while time.time() < deadline and not all(
                    any(v == "changed" for _, v, _ in got) for got in received):
                time.sleep(0.02)
            delivered = [min(t for _, v, t in got if v == "changed") - sent
                         for got in received if any(v == "changed" for _, v, _ in got)]
        finally:
            stop.set()
            for r in responses:
                try:
                    r.close()
                except AttributeError:  # already closed by its reader thread
                    pass
            server.stop()
    print("%s: idle server CPU with %d SSE clients %.1f%% of one core (budget 10%%), "
          "with none %.1f%%; the change reached %d of %d clients, the last after %.2f s"
          % (backend.label, CLIENTS, 100 * idle_20, 100 * idle_none, len(delivered), CLIENTS,
             max(delivered) if delivered else float("nan")))


if __name__ == "__main__":
    main()
