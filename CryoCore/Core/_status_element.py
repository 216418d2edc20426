"""StatusElement (one named value of a channel) and the helpers the status modules share."""
from __future__ import absolute_import, division, print_function

import threading
import time

from . import _status_sink as _sink
from ._compat import PY2, integer_types, text_type, to_text

_time = time.time

#: Characters a value may have once turned into text (the status.value column).
MAX_VALUE_LENGTH = 2048
#: Characters of a channel or parameter name (status_channel / status_parameter columns).
MAX_NAME_LENGTH = 180
MAX_NAME_LENGTH_2D = 128

# Values whose equality implies an equal stored text and that cannot change in place:
# only these may skip the lock when they are set again unchanged.
_SIMPLE = frozenset([text_type, str, bytes, float, bool, type(None)] + list(integer_types))
_CHECK_PID = not _sink._AT_FORK
# Types whose text the writer thread may make later (immutable, and short below _BIG_INT).
_RAW = frozenset([text_type, int, float, bool, type(None)])
_BIG_INT = 10 ** 2000
# Types a changed value of the same type may take the lock-free path with (set_value).
_HOT = frozenset([text_type, int, float])


class NoSuchElementException(KeyError):
    """``get_status_element`` of a name the holder does not have."""


class _Never(object):
    """A type no value has: makes the unchanged-value fast path never match."""


def _report_error(what, e):
    from .InternalDB import report
    report("status %s raised %s: %s" % (what, type(e).__name__, e))


def _name(name, limit, what):
    text = to_text(name)
    if not text or len(text) > limit:
        raise ValueError("status %s name must be 1-%d characters: %r" % (what, limit, name))
    if not PY2:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: undecodable bytes cannot be stored
            raise ValueError("status %s name %r is not valid text (UTF-8 cannot store it)"
                             % (what, name))
    return text


def _now(timestamp):
    if timestamp is None:
        return time.time()
    try:
        return float(timestamp)
    except (TypeError, ValueError):
        raise ValueError("timestamp must be epoch seconds, not %r" % (timestamp,))


def _fire(element, hooks):
    """Set events and call callbacks/reporters collected under the element's lock."""
    for kind, target, args in hooks:
        try:
            if kind == "event":
                if not target.is_set():  # Event.set() is slow pure Python; skip a no-op
                    target.set()
            elif kind == "callback":
                target(element, *args)
            else:
                target.report(element)
        except Exception as e:  # a user hook must not break the setter or the other hooks
            _report_error("%s %r" % (kind, target), e)


class StatusElement(object):
    """One named value of a channel; rows are stored only when it changes."""

    def __init__(self, name, holder, initial_value=None, expire_time=None):
        self.name = _name(name, MAX_NAME_LENGTH, "parameter")
        self.holder = holder
        self.expire_time = expire_time
        self._key = (holder.get_name(), self.name)
        self._lock = threading.Lock()
        self._value = initial_value
        text = _as_text(initial_value, self)  # refuses an oversize initial value
        self._text = None if type(initial_value) in _RAW else text  # text of a non-raw value
        self._timestamp = None
        self._on_change = []   # [event, once]
        self._on_value = []    # [value, event, once]
        self._callbacks = []   # (fn, args)
        self._fast_type = self._skip_type = self._hot_type = _Never
        self._hooked = False   # any event, callback or reporter to fire on a set
        self._refresh_fast_path()

    # -- reading ------------------------------------------------------------
    def get_name(self):
        return self.name

    def get_value(self):
        """The value held (as set, with its type)."""
        return self._value

    def get_timestamp(self):
        """Epoch time of the last stored change (None before the first)."""
        return self._timestamp

    def get_expire_time(self):
        return self.expire_time

    # -- writing ------------------------------------------------------------
    def set_value(self, value, force_update=False, timestamp=None):
        """Hold `value`; store a row if it changed (or `force_update`). Never blocks on the DB."""
        t = type(value)
        if t is self._fast_type and value == self._value and not force_update:
            if not self._on_value or not _any_match(value, self._on_value):
                return  # unchanged: no lock, no row
        if t is self._hot_type and timestamp is None and not force_update and (
                t is float or (len(value) <= MAX_VALUE_LENGTH if t is text_type
                               else -_BIG_INT < value < _BIG_INT)):
            # The common change: same type, nothing watching.  Lock-free: one deque append
            # hands the item to the writer (_enqueue is the general form of these lines).
            # Setters racing here may both store one value: the writer keeps one row
            # (StatusSink.admit); and _store_held makes the last row the value held.
            self._value = value
            ts = _time()
            self._timestamp = ts
            s = _sink._state
            if s is None or _CHECK_PID:
                s = _sink.state()
            exp = self.expire_time
            s.append((self._key, ts, value, ts + exp if exp else None))
            if self._value is not value or self._hooked:
                self._settle(value)
            return
        if t is text_type:
            if len(value) > MAX_VALUE_LENGTH:
                _too_long(self, value)
        elif t not in _RAW or t is int and not -_BIG_INT < value < _BIG_INT:
            return self._set(value, _as_text(value, self), force_update, timestamp)
        return self._set(value, value, force_update, timestamp)

    def _enqueue(self, ts, payload, value, forced=False):
        """Hand the writer the item of `value` (`payload`: it or its text) set at `ts`."""
        s = _sink._state
        if s is None or _CHECK_PID:
            s = _sink.state()
        exp = self.expire_time
        item = (self._key, ts, payload, ts + exp if exp else None)
        s.append(list(item) if forced else item)  # a list: the writer never drops it
        if self._value is not value:
            self._store_held(value)

    def _store_held(self, stored):
        """A lock-free setter changed the value after `stored` was set: store the value
        held until it is the one stored last (the last row is always the value held)."""
        while True:
            held = self._value
            if held is stored:
                return
            ts = _time()
            s = _sink._state
            if s is None or _CHECK_PID:
                s = _sink.state()
            exp = self.expire_time
            s.append((self._key, ts, _payload(held, self), ts + exp if exp else None))
            stored = held

    def _settle(self, stored):
        """After a lock-free change: store the value held if another setter raced, and
        follow a hook added meanwhile (the fast paths must then stop)."""
        self._store_held(stored)
        if self._hooked:
            with self._lock:
                self._refresh_fast_path()

    def _set(self, value, payload, force_update, timestamp):
        with self._lock:
            hooks = self._store(value, payload, force_update, timestamp)
        if hooks:
            _fire(self, hooks)

    def _store(self, value, payload, force_update, timestamp):
        """Record a change (lock held); return the hooks to fire after releasing it.

        `payload` is what the writer stores: the value's text, or the value
        itself when it is immutable and short (the writer makes the text).
        """
        old = self._value
        if type(value) is not type(old):
            changed = True
        elif payload is value:
            changed = value != old
        else:
            changed = payload != self._text
        if changed or force_update:
            ts = _now(timestamp)
            self._value, self._timestamp = value, ts
            self._text = None if payload is value else payload
            self._refresh_fast_path()
            self._enqueue(ts, payload, value, force_update)
        elif value is not old:
            self._value = value
        if not self._hooked:
            return None
        return self._collect_hooks(changed, changed or force_update)

    def _collect_hooks(self, changed, stored):
        hooks = []
        if changed and self._on_change:
            once = False
            for ev, one in self._on_change:
                hooks.append(("event", ev, ()))
                once = once or one
            if once:  # removed under the lock: fires once even with racing setters
                self._on_change = [h for h in self._on_change if not h[1]]
                self._refresh_fast_path()
        if self._on_value:
            keep = []
            for h in self._on_value:
                if _matches(self._value, h[0]):
                    hooks.append(("event", h[1], ()))
                    if h[2]:
                        continue
                keep.append(h)
            if len(keep) != len(self._on_value):
                self._on_value = keep
                self._refresh_fast_path()
        if stored:
            for fn, args in self._callbacks:
                hooks.append(("callback", fn, args))
            for r in self.holder._reporters:
                hooks.append(("report", r, ()))
        return hooks

    def _refresh_fast_path(self):
        # Unchanged values of immutable types skip the lock (value events are checked there).
        t = type(self._value)
        self._fast_type = t if t in _SIMPLE else _Never
        # holder["x"] = v skips even the call to set_value when nothing watches values.
        self._skip_type = _Never if self._on_value else self._fast_type
        self._hooked = bool(self._on_change or self._on_value or self._callbacks or
                            self.holder._reporters)
        self._hot_type = t if t in _HOT and not self._hooked else _Never

    def _numeric(self, n, what):
        if isinstance(n, bool) or not isinstance(n, integer_types + (float,)):
            raise ValueError("%s of status %s needs a number, not %r" % (what, self, n))
        cur = 0 if self._value is None else self._value
        if isinstance(cur, bool) or not isinstance(cur, integer_types + (float,)):
            raise ValueError("cannot %s status %s: value %r is not a number" % (what, self, cur))
        return cur

    def inc(self, n=1):
        """Add `n` (from None: count from 0); non-numbers raise ValueError."""
        lock = self._lock
        lock.acquire()
        try:
            cur = self._value
            if type(cur) is int and type(n) is int and not self._hooked:
                # The common count, inlined like set_value's hot path.
                value = cur + n
                if -_BIG_INT < value < _BIG_INT:
                    ts = _time()
                    self._value = value
                    self._timestamp = ts
                    self._enqueue(ts, value, value)
                    return
            value = self._numeric(n, "inc") + n
            hooks = self._store(value, _payload(value, self), False, None)
        finally:
            lock.release()
        if hooks:
            _fire(self, hooks)

    def dec(self, n=1):
        """Subtract `n` (from None: count from 0)."""
        if isinstance(n, bool) or not isinstance(n, integer_types + (float,)):
            self._numeric(n, "dec")  # raises
        self.inc(-n)

    # -- events and callbacks -------------------------------------------------
    def add_event_on_change(self, event, once=False):
        """Set `event` on every change (only the next one if `once`)."""
        with self._lock:
            self._on_change.append([event, once])
            self._refresh_fast_path()

    def remove_event_on_change(self, event):
        with self._lock:
            self._on_change = [h for h in self._on_change if h[0] is not event]
            self._refresh_fast_path()

    def add_event_on_value(self, value, event, once=False):
        """Set `event` whenever the value set equals `value` (at once if it does now)."""
        with self._lock:
            if _matches(self._value, value):
                event.set()
                if once:
                    return
            self._on_value.append([value, event, once])
            self._refresh_fast_path()

    def remove_event_on_value(self, value, event=None):
        with self._lock:
            self._on_value = [h for h in self._on_value
                              if not (_matches(h[0], value) and (event is None or h[1] is event))]
            self._refresh_fast_path()

    def add_callback(self, fn, *args):
        """Call ``fn(element, *args)`` after every stored change."""
        with self._lock:
            self._callbacks.append((fn, args))
            self._refresh_fast_path()

    def remove_callback(self, fn):
        with self._lock:
            self._callbacks = [c for c in self._callbacks if c[0] != fn]
            self._refresh_fast_path()

    # -- operators ------------------------------------------------------------
    def _other(self, other):
        return other._value if isinstance(other, StatusElement) else other

    def __eq__(self, other):
        return self._value == self._other(other)

    def __ne__(self, other):
        return not self.__eq__(other)

    def __lt__(self, other):
        return self._value < self._other(other)

    def __le__(self, other):
        return self._value <= self._other(other)

    def __gt__(self, other):
        return self._value > self._other(other)

    def __ge__(self, other):
        return self._value >= self._other(other)

    __hash__ = object.__hash__

    def __str__(self):
        return "%s=%s" % (self.name, self._value)

    if PY2:  # pragma: no cover
        def __unicode__(self):
            return u"%s=%s" % (self.name, to_text(self._value))

    def __repr__(self):
        return "<%s %s:%s=%r>" % (type(self).__name__, self._key[0], self.name, self._value)


def _matches(value, wanted):
    try:
        return bool(value == wanted)
    except Exception:  # values that refuse comparison (arrays...) simply do not match
        return False


def _payload(value, element):
    """What the writer gets: the value itself when it is raw and short, else its text."""
    t = type(value)
    if t in _RAW and (t is not int or -_BIG_INT < value < _BIG_INT):
        if t is text_type and len(value) > MAX_VALUE_LENGTH:
            _too_long(element, value)
        return value
    return _as_text(value, element)


def _as_text(value, element):
    """``str(value)`` as text, refused (ValueError) if longer than the column."""
    if type(value) is text_type:
        text = value
    elif PY2:  # pragma: no cover
        text = to_text(value if isinstance(value, bytes) else str(value))
    else:
        text = str(value)
    if len(text) > MAX_VALUE_LENGTH:
        _too_long(element, text)
    return text


def _any_match(value, watched):
    for h in watched:
        if _matches(value, h[0]):
            return True
    return False


def _too_long(element, text):
    raise ValueError("value of status %s:%s is %d characters long; at most %d are stored: "
                         "%s..." % (element._key[0], element.name, len(text), MAX_VALUE_LENGTH,
                                    text[:40]))
