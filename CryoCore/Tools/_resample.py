"""Resampling status rows onto a regular time grid (StatusExport ``--every``/``--fill``).

Step k of the grid covers ``[origin + k*every, origin + (k+1)*every)`` and is stamped
with its start.  A parameter's value in a step is the last value stored in it; without
``fill`` a step where a parameter stored nothing has no row for it, with ``fill`` the
parameter's last known value is carried into it.  Rows stream through: memory holds one
value per parameter, never the range.
"""
from __future__ import absolute_import, division, print_function

import math


def grid_origin(first_ts, every, since=None):
    """Where the grid starts: at --since if given, else at the first row's timestamp
    rounded down to a multiple of `every` (10 s steps land on :00, :10, ...)."""
    if since is not None:
        return float(since)
    return float(math.floor(first_ts / every) * every)


def step_of(ts, origin, every):
    """Index of the step holding `ts` (robust to float rounding at step boundaries)."""
    k = int(math.floor((ts - origin) / every))
    if origin + (k + 1) * every <= ts:
        k += 1
    elif origin + k * every > ts:
        k -= 1
    return k


def resample(rows, params, every, since=None, until=None, fill=False, seed=None):
    """Yield ``(t, channel, parameter, value)`` on the grid, in time then `params` order.

    `rows` are status rows in time order (``since <= ts < until``); `seed` maps
    ``(channel, parameter)`` to the value it had when the range starts (used by `fill`).
    With `until`, the grid runs to the last step starting before it; without, to the
    step of the last row.
    """
    if every <= 0:
        raise ValueError("--every takes a number of seconds > 0, not %r" % (every,))
    order = list(params)
    last = dict(seed or {}) if fill else {}
    state = {"origin": None, "k": None}
    current = {}

    def emit(k, values):
        t = state["origin"] + k * every
        for p in order:
            if p in values:
                yield (t, p[0], p[1], values[p])

    def advance(to_k):
        """Emit the current step and (with fill) the empty ones before step `to_k`."""
        k = state["k"]
        if k is not None:
            if fill:
                last.update(current)
                for row in emit(k, last):
                    yield row
            else:
                for row in emit(k, current):
                    yield row
            current.clear()
            k += 1
        else:
            k = 0 if fill and last else to_k
        if fill:
            while k < to_k:
                for row in emit(k, last):
                    yield row
                k += 1
        state["k"] = to_k

    if since is not None:
        state["origin"] = float(since)
    for ts, channel, name, value in rows:
        if state["origin"] is None:
            state["origin"] = grid_origin(ts, every)
        k = step_of(ts, state["origin"], every)
        if k != state["k"]:
            for row in advance(k):
                yield row
        current[(channel, name)] = value
    if state["origin"] is None:  # no rows: only a filled grid over a known range remains
        if not (fill and last and since is not None and until is not None):
            return
    if until is not None:
        end_k = int(math.ceil((float(until) - state["origin"]) / every))  # first step >= until
        if state["k"] is None or end_k > state["k"]:
            for row in advance(end_k):
                yield row
            return
    if state["k"] is not None:
        if fill:
            last.update(current)
        for row in emit(state["k"], last if fill else current):
            yield row
