"""Events, callbacks and reporters fire in the setting thread (spec 4)."""
from __future__ import absolute_import, division, print_function

import sys
import threading

import pytest

import CryoCore
from CryoCore import API
from CryoCore.Core import Status

pytestmark = pytest.mark.filterwarnings("ignore:isSet")


@pytest.mark.smoke
def test_seed_events_example_with_threads(backend, capsys):
    """The seed's events example, with its three threads, prints what it promises."""
    status = CryoCore.API.get_status("MyModule")
    status["state"] = "initializing"
    ready = threading.Barrier(3) if hasattr(threading, "Barrier") else None
    idled = threading.Semaphore(0)
    printed = []

    def second():
        eventC = threading.Event()
        status["state"].add_event_on_change(eventC, once=True)
        if ready:
            ready.wait()
        eventC.wait(5.0)  # Wait for up to 5 seconds for the event to trigger
        if eventC.isSet():
            printed.append("State changed")

    def third():
        eventV = threading.Event()
        status["state"].add_event_on_value("idle", eventV)
        if ready:
            ready.wait()
        while not CryoCore.API.api_stop_event.isSet():
            while not eventV.isSet():
                eventV.wait(1)
                if CryoCore.API.api_stop_event.isSet():
                    return
            if eventV.isSet():
                printed.append("Idling")
                eventV.clear()  # Prepare for another
                idled.release()

    threads = [threading.Thread(target=second), threading.Thread(target=third)]
    for t in threads:
        t.start()
    if ready:
        ready.wait()
    else:  # 2.7: no Barrier; the handlers register quickly, wait for them explicitly
        while not (status["state"]._on_change and status["state"]._on_value):
            threading.Event().wait(0.01)
    status["state"] = "working"  # Will trigger eventC, "State changed" is printed
    status["state"] = "idle"     # Will trigger eventV, "Idling" is printed
    assert idled.acquire(True) if sys.version_info[0] == 2 else idled.acquire(timeout=5)
    status["state"] = "working"  # Triggers nothing
    status["state"] = "idle"     # Will trigger eventV, "Idling" is printed
    assert idled.acquire(True) if sys.version_info[0] == 2 else idled.acquire(timeout=5)
    CryoCore.API.shutdown()
    for t in threads:
        t.join(5)
    assert printed.count("State changed") == 1 and printed.count("Idling") == 2
    assert not any(t.is_alive() for t in threads)


def test_event_on_change_once_fires_once_across_racing_threads(backend):
    """A once=True change event fires once even when threads set at the same time."""
    elem = API.get_status("Race")["x"]
    events = [threading.Event() for _ in range(3)]
    fired = []

    class Counting(threading.Event if sys.version_info[0] > 2 else object):
        def __init__(self):
            super(Counting, self).__init__()

        def is_set(self):
            return False

        def set(self):
            fired.append(1)

    once = Counting()
    elem.add_event_on_change(once, once=True)
    for ev in events:
        elem.add_event_on_change(ev)

    def work(k):
        for j in range(200):
            elem.set_value((k, j))
    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert fired == [1]
    assert all(ev.is_set() for ev in events)
    events[0].clear()
    elem.remove_event_on_change(events[0])
    elem.set_value("again")
    assert not events[0].is_set() and events[1].is_set()


def test_event_on_value_is_set_at_once_and_checked_on_every_set(backend):
    """A value event is set at once if matching and checked on every set; once fires once."""
    status = API.get_status("MyModule")
    status["s"] = "idle"
    now = threading.Event()
    status["s"].add_event_on_value("idle", now)
    assert now.is_set()  # already matching
    ev, one = threading.Event(), threading.Event()
    status["s"].add_event_on_value("busy", ev)
    status["s"].add_event_on_value("busy", one, once=True)
    status["s"] = "busy"
    assert ev.is_set() and one.is_set()
    ev.clear()
    one.clear()
    status["s"] = "busy"  # unchanged, but every set is checked
    assert ev.is_set() and not one.is_set()
    ev.clear()
    status["s"].remove_event_on_value("busy")
    status["s"] = "idle"
    status["s"] = "busy"
    assert not ev.is_set()
    zero = threading.Event()
    status["s"].add_event_on_value(0, zero)
    status["s"] = "0"
    assert not zero.is_set()  # "0" != 0
    status["s"] = 0
    assert zero.is_set()


def test_callbacks_get_the_element_and_args_on_every_stored_change(backend):
    """Callbacks get the element and args in the setting thread, per stored change."""
    elem = API.get_status("MyModule")["c"]
    seen = []

    def cb(element, tag):
        seen.append((tag, element.get_value(), threading.current_thread().name))
    elem.add_callback(cb, "t")
    elem.set_value(1)
    elem.set_value(1)
    elem.set_value(1, force_update=True)
    elem.inc()
    me = threading.current_thread().name
    assert seen == [("t", 1, me), ("t", 1, me), ("t", 2, me)]
    elem.remove_callback(cb)
    elem.set_value(5)
    assert len(seen) == 3


def test_a_failing_callback_does_not_break_the_setter(backend, capsys):
    """A raising callback is reported on stderr; the value and later callbacks stand."""
    elem = API.get_status("MyModule")["c"]
    after = []
    elem.add_callback(lambda e: 1 / 0)
    elem.add_callback(lambda e: after.append(e.get_value()))
    elem.set_value(3)
    assert elem.get_value() == 3 and after == [3]
    assert "ZeroDivisionError" in capsys.readouterr().err


def test_on_change_reporter_sees_every_stored_change(backend):
    """An OnChangeStatusReporter sees each stored change after it was added, once."""
    class Collect(Status.OnChangeStatusReporter):
        def __init__(self):
            Status.OnChangeStatusReporter.__init__(self, "collect")
            self.got = []

        def report(self, element):
            self.got.append(str(element))
    status = API.get_status("Rep")
    status["before"] = 1
    r = Collect()
    status.add_reporter(r)
    status["before"] = 2
    status["after"] = "x"
    status["after"] = "x"
    status.new2d("g", (1, 1)).set_value((0, 0), 9)
    assert r.got == ["before=2", "after=x", "g=[[9]]"]


def test_periodic_reporter_reports_until_shutdown(backend):
    """A PeriodicStatusReporter reports until shutdown; its errors go to the handler."""
    reported = threading.Event()
    errors = []

    class Every(Status.PeriodicStatusReporter):
        def report(self):
            names = sorted(e.get_name() for e in self.get_elements())
            if names == ["a", "b"]:
                reported.set()
            raise RuntimeError("boom")  # goes to the error handler, the thread goes on

    status = API.get_status("Per")
    status["a"] = 1
    status["b"] = 2
    r = Every("every", 0.01, error_handler=errors.append)
    status.add_reporter(r)
    assert reported.wait(5)
    assert r.is_alive() and isinstance(errors[0], RuntimeError)
    assert any(t.name.startswith("CryoCore-reporter") for t in threading.enumerate())
    API.shutdown()
    assert not r.is_alive()


def test_periodic_reporter_validates_frequency():
    """A PeriodicStatusReporter frequency of 0 is refused with ValueError."""
    with pytest.raises(ValueError):
        Status.PeriodicStatusReporter("x", 0)


def test_hooks_fire_after_the_change_is_handed_to_the_writer(backend):
    """A callback may set the same element again without deadlocking."""
    elem = API.get_status("MyModule")["r"]

    def again(e):
        if e.get_value() < 3:
            e.inc()
    elem.add_callback(again)
    elem.set_value(0)
    assert elem.get_value() == 3
    assert API.flush(10)
