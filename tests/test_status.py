"""Status service on both backends: values held in memory, only changes stored (spec 1, 4)."""
from __future__ import absolute_import, division, print_function

import threading
import time

import pytest

import CryoCore
from CryoCore import API
from CryoCore.Core import InternalDB, Status, _runtime, _schema
from CryoCore.Core.Status import NoSuchElementException


def flush():
    assert API.flush(30)


def ensure_tables(backend):
    """Status creates its tables on the first change; plain-SQL checks may come first."""
    db = InternalDB.mysql("test", config=backend.settings)
    try:
        _schema.ensure(db, "status")
    finally:
        db.close()


def rows(backend, channel=None):
    """(channel, name, value) of every status row in id order, by plain SQL."""
    ensure_tables(backend)
    sql = ("SELECT c.name, p.name, s.value FROM status s "
           "JOIN status_parameter p ON p.paramid = s.paramid "
           "JOIN status_channel c ON c.chanid = s.chanid ")
    params = ()
    if channel:
        sql += "WHERE c.name = %s "
        params = (channel,)
    return [tuple(r) for r in backend.sql(sql + "ORDER BY s.id", params)]


def values(backend, name, channel="MyModule"):
    return [v for c, n, v in rows(backend, channel) if n == name]


@pytest.mark.smoke
def test_seed_status_example_runs_and_stores_only_changes(backend):
    """The seed's Status example, as written; the tables hold exactly the changes."""
    MAX_BLOCKS_PROCESSED = 5
    status = CryoCore.API.get_status("MyModule")
    status["state"] = "Initializing"
    status["processed_blocks"] = 0
    while not CryoCore.API.api_stop_event.is_set():
        status["state"] = "processing"  # Only has an effect if changed
        status["processed_blocks"].inc()
        if status["processed_blocks"].get_value() > MAX_BLOCKS_PROCESSED:
            break
    status["state"] = "idle"
    CryoCore.API.shutdown()
    assert values(backend, "state") == ["Initializing", "processing", "idle"]
    assert values(backend, "processed_blocks") == [str(i) for i in range(7)]


@pytest.mark.smoke
def test_get_status_is_one_holder_per_name_and_reset_forgets_it(backend):
    """Eight racing threads get one StatusHolder per name; reset() forgets it."""
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(API.get_status("Same")))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(id(h) for h in seen)) == 1
    assert CryoCore.get_status("Same") is seen[0]
    assert isinstance(seen[0], Status.StatusHolder) and seen[0].get_name() == "Same"
    API.reset()
    assert API.get_status("Same") is not seen[0]


def test_creation_stores_nothing_first_change_does(backend):
    """Creating or reading an element stores nothing; its first change stores a row."""
    status = API.get_status("MyModule")
    a = status.new("a", initial_value=5)
    assert status.new("a", initial_value=9) is a and a.get_value() == 5
    status["b"]  # implicit creation by reading never raises
    assert status.keys() == ["a", "b"] and status["b"].get_value() is None
    a.set_value(5)  # equal to the initial value: not a change
    flush()
    assert rows(backend) == []
    a.set_value(6)
    flush()
    assert values(backend, "a") == ["6"]


def test_force_update_and_explicit_timestamp(backend):
    """force_update stores an unchanged value; an explicit timestamp is stored as given."""
    status = API.get_status("MyModule")
    status["x"] = 1
    status["x"].set_value(1)
    status["x"].set_value(1, force_update=True)
    status["x"].set_value(2, timestamp=1000000000.5)
    flush()
    assert values(backend, "x") == ["1", "1", "2"]
    assert status["x"].get_timestamp() == 1000000000.5
    ts = backend.sql("SELECT timestamp FROM status ORDER BY id")
    assert ts[-1][0] == 1000000000.5 and abs(ts[0][0] - time.time()) < 60


def test_expire_time_default_and_explicit(backend, monkeypatch):
    """expires is the change time plus the element's expire time, read at creation."""
    monkeypatch.setattr(API, "cc_default_expire_time", 30)
    status = API.get_status("MyModule")
    status["implicit"] = "a"
    status.new("explicit", expire_time=5).set_value("b", timestamp=100.0)
    status.new("never").set_value("c")
    flush()
    got = dict((r[0], (r[1], r[2])) for r in backend.sql(
        "SELECT p.name, s.timestamp, s.expires FROM status s "
        "JOIN status_parameter p ON p.paramid = s.paramid"))
    assert got["implicit"][1] == pytest.approx(got["implicit"][0] + 30)
    assert got["explicit"] == (100.0, 105.0)
    assert got["never"][1] is None
    monkeypatch.setattr(API, "cc_default_expire_time", None)
    assert status["implicit"].get_expire_time() == 30  # read at creation time


def test_types_are_kept_and_changes_are_typed(backend):
    """Held values keep their type; "0" after 0 is a change; rows are str(value)."""
    status = API.get_status("MyModule")
    e = status["v"]
    for v in (0, "0", 0, 0.0, False, None, [1, 2], "text", u"bl\u00e5"):
        e.set_value(v)
        assert e.get_value() == v and type(e.get_value()) is type(v)
    lst = [1]
    e.set_value(lst)
    lst.append(2)  # changed in place: set again, it is a change
    e.set_value(lst)
    flush()
    assert values(backend, "v") == ["0", "0", "0", "0.0", "False", "None", "[1, 2]", "text",
                                    u"bl\u00e5", "[1]", "[1, 2]"]


def test_inc_dec_and_bad_input(backend):
    """inc/dec count from None as 0 and work on floats; on text they raise ValueError."""
    status = API.get_status("MyModule")
    status["n"].inc()
    status["n"].inc(4)
    status["n"].dec()
    status["f"] = 1.5
    status["f"].inc(0.5)
    assert status["n"].get_value() == 4 and status["f"].get_value() == 2.0
    status["d"].dec(2)
    assert status["d"].get_value() == -2
    status["s"] = "abc"
    with pytest.raises(ValueError) as e:
        status["s"].inc()
    assert "s=abc" in str(e.value)
    with pytest.raises(ValueError):
        status["n"].inc("1")
    with pytest.raises(ValueError):
        status["n"].dec(None)
    assert status["n"].get_value() == 4
    flush()
    assert values(backend, "n") == ["1", "5", "4"]


def test_operators_and_str(backend):
    """Comparisons use the held value ("0" != 0); str(elem) is name=value."""
    status = API.get_status("MyModule")
    status["x"] = 3
    x = status["x"]
    assert x == 3 and x != "3" and x < 4 and x <= 3 and x > 2 and x >= 3
    assert not (x != 3) and str(x) == "x=3"
    status["zero"] = "0"
    assert status["zero"] != 0 and status["zero"] == "0"
    status["y"] = 5
    assert x < status["y"] and status["y"] == status["y"]


def test_oversize_value_is_refused_in_the_caller_and_nothing_else_is_affected(backend):
    """A value over 2048 characters raises ValueError; the old value and others are unaffected."""
    status = API.get_status("MyModule")
    status["big"] = "ok"
    status["other"] = 1
    with pytest.raises(ValueError) as e:
        status["big"] = "x" * 2049
    assert "big" in str(e.value) and "2049" in str(e.value)
    with pytest.raises(ValueError):
        status["big"].set_value(["y"] * 1000)
    with pytest.raises(ValueError):
        status.new("born_big", initial_value="z" * 3000)
    assert status["big"].get_value() == "ok"
    status["big"] = "w" * 2048  # the limit itself is fine
    status["other"] = 2
    flush()
    assert values(backend, "big") == ["ok", "w" * 2048]
    assert values(backend, "other") == ["1", "2"]
    assert _runtime.writer().stats()["failed"] == 0


def test_elements_api(backend):
    """The original's element methods: create, get (NoSuchElement), add, remove."""
    status = API.get_status("MyModule")
    with pytest.raises(NoSuchElementException):
        status.get_status_element("missing")
    assert isinstance(NoSuchElementException("x"), KeyError)
    e = status.create_status_element("made", 1)
    assert status.get_status_element("made") is e
    assert status.get_or_create_status_element("made") is e
    other = Status.StatusElement("adopted", API.get_status("Elsewhere"), 7)
    status.add_status_element(other)
    other.set_value(8)
    status.remove_status_element("made")
    assert "made" not in status and "adopted" in status
    with pytest.raises(NoSuchElementException):
        status.remove_status_element("made")
    flush()
    assert rows(backend) == [("MyModule", "adopted", "8")]
    with pytest.raises(ValueError):
        API.get_status("c" * 181)
    with pytest.raises(ValueError):
        status["p" * 181] = 1


def test_two_d_elements(backend):
    """A 2-D grid stores changed cells only, inc works, and it grows to fit a position."""
    status = API.get_status("MyModule")
    g = status.new2d("grid", (2, 3), initial_value=0)
    assert status.new2d("grid", (9, 9)) is g
    assert g.get_value() == [[0, 0, 0], [0, 0, 0]]
    g.set_value((1, 2), 255)
    g.set_value((1, 2), 255)  # unchanged
    g.inc((0, 0))
    g.inc((0, 0), 2)
    g.set_value((3, 4), 7)  # outside: the grid grows
    assert g.get_size() == (4, 5) and g.get_value((3, 4)) == 7 and g.get_value((1, 2)) == 255
    assert g.get_value()[3] == [0, 0, 0, 0, 7] and g.get_value((2, 4)) == 0
    flush()
    got = backend.sql("SELECT posx, posy, value FROM status2d ORDER BY id")
    assert [tuple(r) for r in got] == [(1, 2, 255), (0, 0, 1), (0, 0, 3), (3, 4, 7)]
    size = backend.sql("SELECT name, sizex, sizey FROM status_parameter2d")
    assert [tuple(r) for r in size] == [("grid", 4, 5)]
    assert rows(backend) == []


@pytest.mark.parametrize("size", [(0, 1), (1, -1), (1.5, 2), "ab", (1, 2, 3), None, (True, 2)])
def test_two_d_bad_sizes(size):
    """A 2-D size that is not two positive ints is refused with ValueError."""
    with pytest.raises(ValueError):
        Status.StatusHolder("Bad").new2d("g", size)


def test_two_d_bad_positions_and_values(backend):
    """Negative or malformed positions and values outside 0..255 raise ValueError."""
    g = API.get_status("MyModule").new2d("g", (2, 2))
    for pos in [(-1, 0), (0, -1), (0,), "xy", (0.5, 1), None]:
        with pytest.raises(ValueError):
            g.set_value(pos, 1)
    for value in [256, -1, 1.5, "3", None, True]:
        with pytest.raises(ValueError):
            g.set_value((0, 0), value)
    g.set_value((0, 0), 255)
    with pytest.raises(ValueError):
        g.inc((0, 0))
    with pytest.raises(ValueError):
        g.get_value((5, 5))
    with pytest.raises(ValueError):
        API.get_status("MyModule").new2d("g2", (2, 2), initial_value=300)
    assert g.get_value() == [[255, None], [None, None]]
    flush()
    assert [tuple(r) for r in backend.sql("SELECT posx, posy, value FROM status2d")] == \
        [(0, 0, 255)]


def test_seven_threads_setting_one_channel_lose_nothing(backend):
    """7 threads inc one shared counter and set their own element: every change is stored."""
    status = API.get_status("Busy")
    per_thread = 300
    barrier = threading.Barrier(7) if hasattr(threading, "Barrier") else None

    def work(i):
        if barrier:
            barrier.wait()
        for j in range(per_thread):
            status["shared"].inc()
            status["own%d" % i] = j
    threads = [threading.Thread(target=work, args=(i,)) for i in range(7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert status["shared"].get_value() == 7 * per_thread
    flush()
    got = rows(backend, "Busy")
    shared = [int(v) for c, n, v in got if n == "shared"]
    assert shared == list(range(1, 7 * per_thread + 1))  # in order, none lost or doubled
    for i in range(7):
        assert [int(v) for c, n, v in got if n == "own%d" % i] == list(range(per_thread))


@pytest.mark.parametrize("how", ["holder", "set_value", "mixed"])
def test_racing_setters_store_no_repeat_and_end_on_the_value_held(backend, how):
    """Racing setters store no repeated value and the last row is the value held."""
    import random
    import sys
    status = API.get_status("Race")
    status["x"] = 0
    old = sys.getswitchinterval() if hasattr(sys, "getswitchinterval") else None
    if old is not None:
        sys.setswitchinterval(1e-6)

    def work(seed):
        rnd = random.Random(seed)
        element = status["x"]
        for _ in range(3000):
            v = rnd.choice((1, 2, 3, 4))
            if how == "holder" or how == "mixed" and seed % 2:
                status["x"] = v
            elif how == "mixed" and seed % 3 == 0:
                element.set_value(v, force_update=rnd.random() < 0.01)
            else:
                element.set_value(v)
    try:
        threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        if old is not None:
            sys.setswitchinterval(old)
    flush()
    stored = values(backend, "x", "Race")
    assert len(stored) > 100  # the threads did change it, often
    assert stored[-1] == str(status["x"].get_value())
    if how != "mixed":  # (forced rows may repeat a value on purpose)
        repeats = [i for i in range(1, len(stored)) if stored[i] == stored[i - 1]]
        assert repeats == []


@pytest.mark.parametrize("how", ["holder", "set_value"])
def test_a_setter_overtaken_between_holding_and_storing_stores_the_value_held(
        backend, monkeypatch, how):
    """A setter overtaken between holding and storing: the last row is the value held."""
    from CryoCore.Core import _status_element, _status_holder
    status = API.get_status("Overtaken")
    status["x"] = 0
    element = status["x"]
    real_time = time.time
    overtake = []

    def clock():
        if overtake:
            overtake.pop()(2)  # the other thread sets 2 and stores it, all at once
        return real_time()
    monkeypatch.setattr(_status_element, "_time", clock)
    monkeypatch.setattr(_status_holder, "_time", clock)
    overtake.append(element.set_value)
    if how == "holder":
        status["x"] = 1
    else:
        element.set_value(1)
    assert element.get_value() == 2
    flush()
    assert values(backend, "x", "Overtaken") == ["0", "2", "1", "2"]


def test_channels_deleted_by_another_program_are_made_again(backend):
    """Cached ids that vanished (DELETE of channels/parameters) do not lose later rows."""
    if backend.kind == "sqlite":
        pytest.skip("SQLite does not enforce REFERENCES: stale ids are not detected there")
    status = API.get_status("Gone")
    status["x"] = 1
    status.new2d("g", (1, 1)).set_value((0, 0), 1)
    flush()
    for table in ("status", "status2d", "status_parameter", "status_parameter2d",
                  "status_channel"):
        backend.sql("DELETE FROM %s" % table)
    status["x"] = 2
    status["g"].set_value((0, 0), 2)
    flush()
    assert rows(backend) == [("Gone", "x", "2")]
    assert [tuple(r) for r in backend.sql("SELECT value FROM status2d")] == [(2,)]
    assert _runtime.writer().stats()["failed"] == 0


@pytest.mark.smoke
def test_seed_create_and_set_examples(backend):
    """The seed's "Create status item" and "Set a value" lines, with values filled in."""
    status = API.get_status("MyModule")
    value, name, size = 42, "explicit", (3, 2)
    # Implicit creation:
    status["item"] = value
    # Explicit creation
    status.new(name, initial_value=None, expire_time=None)
    status.new2d(name + "2d", size, initial_value=None, expire_time=None)
    # Set a value
    status["item"] = value
    status["item"].set_value(value, force_update=False, timestamp=None)
    status["item"].set_value(value, force_update=True)
    status[name].set_value("x", timestamp=1470130000.0)
    flush()
    assert rows(backend) == [("MyModule", "item", "42"), ("MyModule", "item", "42"),
                             ("MyModule", "explicit", "x")]
    assert status[name + "2d"].get_size() == size
