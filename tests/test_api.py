"""The API surface: names, shutdown, reset, the stop event (spec section 1)."""
from __future__ import absolute_import, division, print_function

import os
import subprocess
import sys
import threading

import pytest

import CryoCore
from CryoCore import API
from CryoCore.Core import _runtime


@pytest.mark.smoke
def test_import_surface():
    """Every name of the original's API (spec section 1) exists, with its defaults."""
    from CryoCore.Core import API as core_api
    assert core_api is CryoCore.API is API
    for name in ("get_config", "get_status", "get_log", "shutdown"):
        assert getattr(CryoCore, name) is getattr(API, name)
    for name in ("ConfigException", "NoSuchParameterException", "NoSuchVersionException",
                 "VersionAlreadyExistsException", "IntegrityException"):
        exc = getattr(CryoCore, name)
        assert issubclass(exc, CryoCore.ConfigException)
    for name in ("set_config_db", "get_config_db", "set_log_level", "reset", "log_level_str",
                 "log_level", "cc_default_expire_time", "queue_timeout",
                 "shutdown_grace_period", "api_stop_event"):
        assert hasattr(API, name), name
    assert API.log_level_str["INFO"] == 20 and API.log_level[40] == "ERROR"
    assert API.cc_default_expire_time is None


@pytest.mark.smoke
def test_shutdown_sets_the_event_and_is_idempotent():
    """shutdown() sets api_stop_event, twice is harmless; reset() clears that same event."""
    ev = API.api_stop_event
    assert not ev.isSet() and not ev.is_set()
    API.shutdown()
    assert ev.isSet() and ev.is_set() and ev.wait(0)
    API.shutdown()
    API.reset()
    assert not ev.isSet()
    assert API.api_stop_event is ev  # user code keeps its reference


def test_reset_forgets_the_writer_and_its_thread(backend):
    """reset() ends the writer and store threads of a writer that stored a row, and forgets it."""
    w = _runtime.writer()
    assert _runtime.writer() is w
    API.get_status("ResetTest")["x"] = 1  # a row: the writer starts its threads
    assert w.flush(5)
    threads = [w._thread, w._storer]
    assert all(t is not None and t.is_alive() for t in threads)
    API.reset()
    assert _runtime.writer() is not w
    assert [t.name for t in threads if t.is_alive()] == []
    assert backend.sql("SELECT value FROM status") == [("1",)]


def test_shutdown_runs_registered_stoppers_in_reverse_order():
    """Stop hooks run last-registered first; a failing one does not stop the rest."""
    calls = []
    _runtime.on_shutdown("a", lambda: calls.append("a"))
    _runtime.on_shutdown("b", lambda: calls.append("b"))
    _runtime.on_shutdown("bad", lambda: 1 / 0)
    API.shutdown()
    assert calls == ["b", "a"]


def test_import_cryocore_on_a_machine_without_server(tmp_path):
    """Nothing at import time needs a database or a settings file."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "PYTHONPATH": root}
    out = subprocess.check_output([sys.executable, "-c",
                                   "import CryoCore; print(CryoCore.API.get_config_db()['db_type'])"],
                                  env=env)
    assert out.strip() == b"sqlite"


@pytest.mark.smoke
def test_writes_after_shutdown_are_stored_at_exit(backend):
    """Logging or setting status after API.shutdown() (in a finally, say) is not lost."""
    script = ("from CryoCore import API\n"
              "log = API.get_log('After'); status = API.get_status('After')\n"
              "log.info('before'); status['x'] = 'before'\n"
              "API.shutdown()\n"
              "log.info('after shutdown'); status['x'] = 'after'\n")
    subprocess.check_call([sys.executable, "-c", script], env=backend.env())
    messages = [r[0] for r in backend.sql("SELECT message FROM log ORDER BY id")]
    values = [r[0] for r in backend.sql("SELECT value FROM status ORDER BY id")]
    assert messages == ["before", "after shutdown"]
    assert values == ["before", "after"]


def test_flush_returns_once_every_row_handed_over_is_stored(backend):
    """API.flush() is True only once every row handed over is stored (plain SQL)."""
    status, log = API.get_status("Flush"), API.get_log("Flush")
    for i in range(300):
        status["n"] = i
        log.info("row %d", i)
    assert API.flush(30) is True
    assert backend.sql("SELECT COUNT(*) FROM status s JOIN status_parameter p "
                       "ON p.paramid = s.paramid WHERE p.name = %s", ("n",))[0][0] == 300
    assert backend.sql("SELECT COUNT(*) FROM log WHERE logger = %s", ("Flush",))[0][0] == 300


def test_flush_is_false_when_rows_wait_in_the_spool(tmp_path, monkeypatch):
    """With the database away API.flush() is False, on its timeout or rows left spooled."""
    from conftest import write_settings
    settings = {"db_type": "mysql", "db_host": "127.0.0.1", "db_port": 1, "db_name": "x",
                "db_timeout": 1, "spool_dir": str(tmp_path / "spool")}
    monkeypatch.setenv("CRYOCORE_CONFIG", write_settings(tmp_path / "down.json", settings))
    monkeypatch.setattr(API, "shutdown_grace_period", 0.5)
    API.reset()
    assert API.flush(0) is True  # nothing handed over: nothing to wait for
    API.get_status("Down")["x"] = 1
    assert API.flush(0.3) is False
    result = []
    waiter = threading.Thread(target=lambda: result.append(API.flush()))
    waiter.start()
    API.shutdown()
    waiter.join(10)
    assert result == [False]
    assert os.listdir(str(tmp_path / "spool"))
