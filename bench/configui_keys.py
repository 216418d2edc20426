"""ConfigUI: time per key on a 10,000-parameter tree vs a 100-parameter tree (same run).

Each key is what the curses loop does for it: ``handle_key`` + ``refresh`` +
``render(80, 24)`` (the curses drawing of 24 lines is not included).  Keys:
moves, folder open/close, Alt-Right on every top folder until the whole tree
is open (~11,000 rows), filter typing, edit + save (a database write), toggle,
and a tick that picks up a change made elsewhere.  The budget is 50 ms a key.

    python bench/configui_keys.py [--mysql] [--host 127.0.0.1] [--port 3306] [--params 10000]
"""
from __future__ import absolute_import, division, print_function

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _bench  # noqa: E402
from CryoCore import API  # noqa: E402
from CryoCore.Tools import _configui_render as R  # noqa: E402
from CryoCore.Tools import _configui_state as S  # noqa: E402

BUDGET_MS = 50.0


def build(version, params):
    """`params` parameters in Module*/Sub* folders of 10 (every 10th a boolean)."""
    cfg = API.get_config(None, version)
    modules = max(params // 100, 1)
    per_module = params // modules
    parts = ["<configuration>"]
    n = 0
    for m in range(modules):
        parts.append("<Module%03d>" % m)
        for s in range(max(per_module // 10, 1)):
            parts.append("<Sub%d>" % s)
            for p in range(10):
                value = "true" if p == 0 else str(n)
                parts.append("<param%d>%s</param%d>" % (p, value, p))
                n += 1
            parts.append("</Sub%d>" % s)
        parts.append("</Module%03d>" % m)
    parts.append("</configuration>")
    cfg.import_xml("".join(parts).encode("utf-8"))
    return cfg


class Timer(object):
    def __init__(self, state):
        self.state = state
        self.times = {}

    def key(self, label, key):
        t = time.time()
        if key is not None:
            self.state.handle_key(key)
        self.state.refresh()
        R.render(self.state, 80, 24)
        self.times.setdefault(label, []).append((time.time() - t) * 1000.0)


def run_keys(cfg, writer):
    """Every kind of key once or more; returns {label: [ms, ...]}."""
    state = S.UIState(cfg, db_text="bench")
    R.render(state, 80, 24)
    t = Timer(state)
    for _ in range(100):
        t.key("Down", S.DOWN)
    for _ in range(20):
        t.key("Up", S.UP)
        t.key("PgDn", S.PGDN)
    t.key("End", S.END)
    t.key("PgUp", S.PGUP)
    t.key("Home", S.HOME)
    for _ in range(10):
        t.key("Right (open)", S.RIGHT)
        t.key("Left (close)", S.LEFT)
    top = list(state.tree.roots)
    for path in top:  # open every subtree: the tree grows to all rows
        state._move(state.index[path])
        t.key("Alt-Right (subtree)", S.ALT_RIGHT)
    t.key("End", S.END)
    t.key("Home", S.HOME)
    for _ in range(50):
        t.key("Down", S.DOWN)
        t.key("PgDn", S.PGDN)
    t.key("/ (filter mode)", u"/")
    for c in u"param5":
        t.key("filter typing", c)
    for _ in range(3):
        t.key("filter Backspace", S.BACKSPACE)
    t.key("Esc (clear filter)", S.ESC)
    leaf = [p for p in state.rows if p.endswith(".param3")][5]
    boolean = [p for p in state.rows if p.endswith(".param0")][5]
    for i in range(10):
        state._move(state.index[leaf])
        t.key("Enter (edit)", S.ENTER)
        t.key("edit typing", S.CTRL_U)
        t.key("edit typing", u"%d" % (i + 1))
        t.key("Enter (save)", S.ENTER)
        state._move(state.index[boolean])
        t.key("t (toggle)", u"t")
    for i in range(10):
        start = time.time()
        writer.set(leaf, 1000 + i)  # a change "elsewhere" (the same cache as another view's)
        t.times.setdefault("(reference: the cfg.set itself)", []).append(
            (time.time() - start) * 1000.0)
        t.key("tick after a change elsewhere", None)
    t.key("Alt-Left (close all)", S.ALT_LEFT)
    return t.times


def main():
    args = _bench.parse_args(__doc__, ("--params", 10000, "parameters in the big tree"))
    with _bench.scratch_backend(args) as backend:
        API.set_config_db(backend.settings)
        results = {}
        for label, n in (("small", 100), ("big", args.params)):
            version = "bench%d" % n
            t0 = time.time()
            cfg = build(version, n)
            built = time.time() - t0
            time.sleep(3.0)  # let the poller's look-back over the fresh import pass
            writer = API.get_config(None, version)
            writer.set("Module000.Sub0.param1", -1)  # warm-up: SQLite's WAL checkpoint
            time.sleep(0.5)
            results[label] = (run_keys(cfg, writer), built, len(S.Tree(cfg)))
        small, big = results["small"][0], results["big"][0]
        print("ConfigUI per-key time (%s, Python %s), handle_key + refresh + render 80x24"
              % (backend.label, sys.version.split()[0]))
        print("  trees: %d and %d entries (parameters and folders); building the big one took "
              "%.1f s" % (results["small"][2], results["big"][2], results["big"][1]))
        print("  %-30s %9s %9s %9s %9s %7s" % ("key", "100 med", "100 max", "10k med", "10k max",
                                                 "ratio"))
        worst = 0.0
        for label in sorted(big, key=lambda k: (k.startswith("("), list(big).index(k))):
            s, b = sorted(small[label]), sorted(big[label])
            sm, bm = s[len(s) // 2], b[len(b) // 2]
            if not label.startswith("("):
                worst = max(worst, b[-1])
            print("  %-30s %7.2fms %7.2fms %7.2fms %7.2fms %6.1fx"
                  % (label, sm, s[-1], bm, b[-1], bm / sm if sm else float("nan")))
        print("  worst key on the big tree: %.1f ms (budget %.0f ms): %s"
              % (worst, BUDGET_MS, "OK" if worst < BUDGET_MS else "OVER BUDGET"))


if __name__ == "__main__":
    main()
