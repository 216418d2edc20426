"""2-D status elements: a grid of small integers (0..255), one row per changed cell."""
from __future__ import absolute_import, division, print_function

from . import _status_sink as _sink
from ._compat import integer_types
from ._status_element import (MAX_NAME_LENGTH_2D, StatusElement, _CHECK_PID, _Never, _fire,
                              _name, _now)


def _size(size):
    try:
        x, y = size
    except (TypeError, ValueError):
        raise ValueError("2-D status size must be two integers > 0, not %r" % (size,))
    if not (_is_int(x) and _is_int(y)) or x <= 0 or y <= 0:
        raise ValueError("2-D status size must be two integers > 0, not %r" % (size,))
    return int(x), int(y)


def _is_int(v):
    return isinstance(v, integer_types) and not isinstance(v, bool)


class Status2DElement(StatusElement):
    """A grid ``size = (sizex, sizey)`` of values 0..255; positions are ``(x, y)``.

    Setting a position outside the grid grows it; ``get_value()`` is the grid
    as a list of ``sizex`` lists of ``sizey`` values.
    """

    def __init__(self, name, holder, size, initial_value=None, expire_time=None):
        if initial_value is not None:
            self._check_value(initial_value, name)
        sx, sy = _size(size)
        StatusElement.__init__(self, _name(name, MAX_NAME_LENGTH_2D, "2-D parameter"), holder,
                               None, expire_time)
        self.initial_value = initial_value
        self._value = [[initial_value] * sy for _ in range(sx)]

    def get_size(self):
        """``(sizex, sizey)`` as it is now (it grows with the positions set)."""
        with self._lock:
            return len(self._value), len(self._value[0])

    size = property(get_size)

    def get_value(self, pos=None):
        """The whole grid (a copy, list of lists) or the value at `pos`."""
        with self._lock:
            if pos is None:
                return [list(col) for col in self._value]
            x, y = self._pos(pos)
            if x >= len(self._value) or y >= len(self._value[0]):
                raise ValueError("position %r is outside the %dx%d grid of %s"
                                 % (pos, len(self._value), len(self._value[0]), self.name))
            return self._value[x][y]

    def _pos(self, pos):
        try:
            x, y = pos
        except (TypeError, ValueError):
            raise ValueError("2-D status position must be (x, y), not %r" % (pos,))
        if not (_is_int(x) and _is_int(y)) or x < 0 or y < 0:
            raise ValueError("2-D status position must be two integers >= 0, not %r" % (pos,))
        return int(x), int(y)

    def _check_value(self, value, name=None):
        if not _is_int(value) or not 0 <= value <= 255:
            raise ValueError("2-D status %s takes integers 0..255, not %r"
                             % (name or self.name, value))

    def _grow(self, x, y):
        grid = self._value
        sy = max(len(grid[0]), y + 1)
        if sy > len(grid[0]):
            for col in grid:
                col.extend([self.initial_value] * (sy - len(col)))
        while len(grid) <= x:
            grid.append([self.initial_value] * sy)

    def set_value(self, pos, value=None, force_update=False, timestamp=None):
        """Set the cell at ``pos = (x, y)`` to `value` (0..255); store it if it changed."""
        x, y = self._pos(pos)
        self._check_value(value)
        with self._lock:
            hooks = self._store_cell(x, y, value, force_update, timestamp)
        if hooks:
            _fire(self, hooks)

    def _store_cell(self, x, y, value, force_update, timestamp):
        grid = self._value
        if x >= len(grid) or y >= len(grid[0]):
            self._grow(x, y)
        changed = grid[x][y] != value
        if changed or force_update:
            ts = _now(timestamp)
            grid[x][y] = value
            self._timestamp = ts
            s = _sink._state
            if s is None or _CHECK_PID:
                s = _sink.state()
            exp = self.expire_time
            s.put(s.status2d, (self._key, (len(grid), len(grid[0])), ts, x, y, value,
                               ts + exp if exp else None), 96)
        if not self._hooked:
            return None
        return self._collect_hooks(changed, changed or force_update)

    def inc(self, pos, n=1):
        """Add `n` to the cell at `pos` (None counts as 0); the result must stay 0..255."""
        self._step(pos, n, 1)

    def dec(self, pos, n=1):
        self._step(pos, n, -1)

    def _step(self, pos, n, sign):
        x, y = self._pos(pos)
        if not _is_int(n):
            raise ValueError("inc/dec of 2-D status %s needs an integer, not %r" % (self.name, n))
        with self._lock:
            grid = self._value
            cur = grid[x][y] if x < len(grid) and y < len(grid[0]) else self.initial_value
            value = (cur or 0) + sign * n
            self._check_value(value)
            hooks = self._store_cell(x, y, value, False, None)
        if hooks:
            _fire(self, hooks)

    def _refresh_fast_path(self):
        StatusElement._refresh_fast_path(self)
        self._fast_type = _Never  # 2-D elements never take the 1-D fast paths
