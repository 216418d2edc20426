"""StatusHolder (one per channel per process), reporters and ``get_status``."""
from __future__ import absolute_import, division, print_function

import threading

from . import _runtime
from . import _status_sink as _sink
from ._compat import text_type
from ._status_element import (_BIG_INT, _CHECK_PID, MAX_NAME_LENGTH, MAX_VALUE_LENGTH,
                              NoSuchElementException, StatusElement, _name, _report_error, _time)
from ._status2d import Status2DElement
from ._compat import to_text


class StatusHolder(object):
    """The elements of one status channel: ``holder["x"] = v`` gets or creates and sets."""

    def __init__(self, name, stop_event=None):
        self.name = _name(name, MAX_NAME_LENGTH, "channel")
        self.stop_event = stop_event if stop_event is not None else _runtime.api_stop_event
        self._elements = {}
        self._lock = threading.RLock()
        self._reporters = []  # OnChangeStatusReporter: report(element) on every stored change

    def get_name(self):
        return self.name

    def keys(self):
        """Names of the elements, sorted."""
        return sorted(self._elements)

    def get_elements(self):
        return [self._elements[k] for k in self.keys()]

    # -- creation -------------------------------------------------------------
    def new(self, name, initial_value=None, expire_time=None):
        """Get or create a single-value element (creating stores nothing)."""
        return self.get_or_create_status_element(name, initial_value, expire_time)

    def new2d(self, name, size, initial_value=None, expire_time=None):
        """Get or create a 2-D element of ``size = (x, y)`` with values 0..255."""
        key = to_text(name)
        with self._lock:
            element = self._elements.get(key)
            if element is None:
                element = Status2DElement(key, self, size, initial_value, expire_time)
                self._elements[element.name] = element
            elif not isinstance(element, Status2DElement):
                raise ValueError("status %s:%s exists and is not 2-D" % (self.name, key))
            return element

    def create_status_element(self, name, initial_value=None, expire_time=None):
        """Create (or replace) an element (creating stores nothing)."""
        element = StatusElement(to_text(name), self, initial_value, expire_time)
        with self._lock:
            self._elements[element.name] = element
        return element

    def add_status_element(self, element):
        """Add an element made elsewhere (it reports through this holder)."""
        with self._lock:
            element.holder = self
            element._key = (self.name, element.name)
            self._elements[element.name] = element
            element._refresh_fast_path()
        return element

    def get_status_element(self, name):
        """The element `name`; NoSuchElementException if it does not exist."""
        element = self._elements.get(name)
        if element is None:
            element = self._elements.get(to_text(name))
            if element is None:
                raise NoSuchElementException("no status element %r in channel %s"
                                             % (name, self.name))
        return element

    def get_or_create_status_element(self, name, initial_value=None, expire_time=None):
        element = self._elements.get(name)
        if element is not None:
            return element
        with self._lock:
            element = self._elements.get(to_text(name))
            if element is None:
                element = self.create_status_element(name, initial_value, expire_time)
            return element

    def remove_status_element(self, element):
        """Forget `element` (the StatusElement, as the original takes it, or its name)."""
        is_element = hasattr(element, "get_name") and hasattr(element, "holder")
        name = to_text(element.get_name() if is_element else element)
        with self._lock:
            held = self._elements.get(name)
            if held is None or is_element and held is not element:
                raise NoSuchElementException("no status element %r in channel %s"
                                             % (name, self.name))
            del self._elements[name]

    def _implicit(self, name):
        """``holder[name]``: get or create with the API's default expire time."""
        return self.get_or_create_status_element(name, None,
                                                 _runtime.settable("cc_default_expire_time"))

    # -- mapping --------------------------------------------------------------
    def __getitem__(self, name):
        element = self._elements.get(name)
        if element is None:
            element = self._implicit(name)
        return element

    def __setitem__(self, name, value):
        try:
            element = self._elements[name]
        except KeyError:
            element = self._implicit(name)
        else:
            t = type(value)
            if t is element._skip_type:
                if value == element._value:
                    return  # unchanged (StatusElement.set_value's fast path, one call less)
                if t is element._hot_type and (t is float or (
                        len(value) <= MAX_VALUE_LENGTH if t is text_type
                        else -_BIG_INT < value < _BIG_INT)):
                    # StatusElement.set_value's lock-free change, inlined: a call from
                    # here costs a third of the whole (see bench/status_set.py).
                    element._value = value
                    ts = _time()
                    element._timestamp = ts
                    s = _sink._state
                    if s is None or _CHECK_PID:
                        s = _sink.state()
                    exp = element.expire_time
                    s.append((element._key, ts, value, ts + exp if exp else None))
                    if element._value is not value or element._hooked:
                        element._settle(value)
                    return
        element.set_value(value)

    def __contains__(self, name):
        return to_text(name) in self._elements

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self._elements)

    def __repr__(self):
        return "<StatusHolder %s: %d elements>" % (self.name, len(self._elements))

    # -- reporters ------------------------------------------------------------
    def add_reporter(self, reporter):
        """Attach an OnChangeStatusReporter (every change) or a PeriodicStatusReporter."""
        if isinstance(reporter, PeriodicStatusReporter):
            reporter._add_holder(self)
            return
        if not hasattr(reporter, "report"):
            raise ValueError("a status reporter needs a report() method: %r" % (reporter,))
        with self._lock:
            if reporter not in self._reporters:
                self._reporters = self._reporters + [reporter]
            self._rehook()

    def _rehook(self):
        for element in list(self._elements.values()):
            with element._lock:
                element._refresh_fast_path()

    def remove_reporter(self, reporter):
        with self._lock:
            self._reporters = [r for r in self._reporters if r is not reporter]
            self._rehook()
        if isinstance(reporter, PeriodicStatusReporter):
            reporter._remove_holder(self)


class StatusReporter(object):
    """Base of the reporters (the original's class)."""

    def __init__(self, name):
        self.name = name

    def report(self, *args):
        raise NotImplementedError("report() not implemented by reporter %r" % (self.name,))


class OnChangeStatusReporter(StatusReporter):
    """Subclasses override ``report(element)``: called after every stored change."""


class PeriodicStatusReporter(StatusReporter):
    """Calls ``report()`` every `frequency` seconds (as the original) in a daemon thread.

    ``report()`` reads ``get_elements()``: the elements of the holders it was
    added to.  Exceptions go to ``error_handler(exception)`` (else stderr).
    Stops at API.shutdown() or when `stop_event` is set.
    """

    def __init__(self, name, frequency, error_handler=None, stop_event=None):
        StatusReporter.__init__(self, name)
        if not isinstance(frequency, (int, float)) or frequency <= 0:
            raise ValueError("reporter frequency must be seconds > 0, not %r" % (frequency,))
        self.frequency = frequency
        self.error_handler = error_handler
        self.stop_event = stop_event if stop_event is not None else _runtime.api_stop_event
        self._holders = []
        self._extra = []
        self._stop = threading.Event()
        self._thread = None
        self._lock = threading.Lock()

    def add_element(self, element):
        self._extra.append(element)

    def get_elements(self):
        """The elements this reporter watches (a snapshot list)."""
        elements = list(self._extra)
        for holder in list(self._holders):
            elements.extend(holder.get_elements())
        return elements

    def _add_holder(self, holder):
        if holder not in self._holders:
            self._holders.append(holder)
        self.start()

    def _remove_holder(self, holder):
        self._holders = [h for h in self._holders if h is not holder]

    def start(self):
        """Start the thread (add_reporter does this)."""
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._run,
                                            name="CryoCore-reporter-%s" % (self.name,))
            self._thread.daemon = True
            self._thread.start()
        _runtime.on_shutdown("status reporter %s" % (self.name,), self.stop)

    def is_alive(self):
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout=5.0):
        """Stop the thread and wait for it (idempotent)."""
        self._stop.set()
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout)

    def _run(self):
        while not (self._stop.is_set() or self.stop_event.is_set()):
            try:
                self.report()
            except Exception as e:  # a reporter bug must not kill the thread
                if self.error_handler is not None:
                    try:
                        self.error_handler(e)
                    except Exception as e2:
                        _report_error("reporter %s error handler" % (self.name,), e2)
                else:
                    _report_error("reporter %s" % (self.name,), e)
            self._stop.wait(self.frequency)


_holders = {}
_holders_lock = threading.Lock()


def get_status(name):
    """The StatusHolder of channel `name` (one per name per process)."""
    holder = _holders.get(name)
    if holder is None:
        with _holders_lock:
            holder = _holders.get(name)
            if holder is None:
                holder = StatusHolder(name, _runtime.api_stop_event)
                _holders[name] = holder
    return holder


def _forget_holders():
    with _holders_lock:
        _holders.clear()


_runtime.on_reset(_forget_holders)
