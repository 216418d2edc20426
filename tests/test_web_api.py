"""The web dashboard's JSON API through Starlette's test client, on both backends."""
from __future__ import absolute_import, division, print_function

import csv
import io
import json
import os
import time

import pytest

from conftest import importorskip  # noqa: E402

importorskip("starlette")
importorskip("httpx")

from starlette.testclient import TestClient  # noqa: E402

from CryoCore import API  # noqa: E402
from CryoCore.Web import _auth  # noqa: E402
from CryoCore.Web._app import Options, make_app  # noqa: E402

T0 = 1700000000.0  # fixed times: the oracle is plain Python over what the test wrote
PASSWORD = "correct horse battery"


def client(**kwargs):
    """A test client of an app with Options(**kwargs), addressed as http://127.0.0.1."""
    return TestClient(make_app(Options(**kwargs)), base_url="http://127.0.0.1")


def one_line_error(r, status):
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and body["error"] and "\n" not in body["error"]
    assert "Traceback" not in r.text
    return body["error"]


def write_status():
    """Two channels with explicit timestamps; returns {(channel, name): [(ts, value)]}."""
    written = {}
    motor = API.get_status("Motor")
    speed = motor.new("speed", expire_time=10)
    for i in range(100):
        v = 1000 + (i * 37) % 50
        speed.set_value(v, timestamp=T0 + i * 0.5)
        written.setdefault(("Motor", "speed"), []).append((T0 + i * 0.5, str(v)))
    motor.new("state").set_value("running", timestamp=T0 + 10)
    written[("Motor", "state")] = [(T0 + 10, "running")]
    API.get_status("GPS").new("lat").set_value(69.5, timestamp=T0 + 20)
    written[("GPS", "lat")] = [(T0 + 20, "69.5")]
    API.shutdown()
    return written


def test_channels_and_latest_give_what_was_written(backend):
    """/api/channels lists every parameter; /api/latest the newest value, time and expiry."""
    written = write_status()
    with client() as c:
        assert c.get("/api/channels").json() == {"channels": [
            {"channel": "GPS", "parameters": ["lat"]},
            {"channel": "Motor", "parameters": ["speed", "state"]}]}
        latest = c.get("/api/latest").json()
        got = dict(((v["channel"], v["name"]), (v["timestamp"], v["value"]))
                   for v in latest["values"])
        assert got == dict((k, rows[-1]) for k, rows in written.items())
        speed = [v for v in latest["values"] if v["name"] == "speed"][0]
        assert speed["expires"] == pytest.approx(T0 + 99 * 0.5 + 10)
        assert latest["max_id"] == backend.sql("SELECT MAX(id) FROM status")[0][0]
        only = c.get("/api/latest?channel=GPS").json()["values"]
        assert [(v["channel"], v["name"]) for v in only] == [("GPS", "lat")]
        assert "no such channel" in one_line_error(c.get("/api/latest?channel=Nope"), 404)


def test_history_buckets_match_plain_python(backend):
    """Buckets (count, min, max, mean, first, last) equal a Python computation over the rows."""
    rows = write_status()[("Motor", "speed")]
    since, until, n = T0 - 1, T0 + 60, 7
    with client() as c:
        r = c.get("/api/history", params={"param": "Motor:speed", "since": since,
                                          "until": until, "buckets": n})
    body = r.json()
    assert body["param"] == "Motor:speed"
    expected = {}
    for ts, v in rows:
        b = int((ts - since) * n // (until - since))
        expected.setdefault(b, []).append(float(v))
    assert len(body["buckets"]) == len(expected)
    for got, (b, values) in zip(body["buckets"], sorted(expected.items())):
        assert got["t0"] == pytest.approx(since + (until - since) * b / n)
        assert got["count"] == len(values)
        assert (got["min"], got["max"]) == (min(values), max(values))
        assert got["mean"] == pytest.approx(sum(values) / len(values))
        assert (got["first"], got["last"]) == (values[0], values[-1])


def test_history_rows_and_csv_are_the_rows_in_range(backend):
    """Without buckets: every row in [since, until) as [ts, value]; format=csv the same."""
    written = write_status()
    since, until = T0 + 5, T0 + 20
    expected = [(ts, float(v)) for ts, v in written[("Motor", "speed")] if since <= ts < until]
    with client() as c:
        body = c.get("/api/history", params={"param": "Motor:speed", "since": since,
                                             "until": until}).json()
        assert [tuple(r) for r in body["rows"]] == expected
        r = c.get("/api/history", params=[("param", "Motor:speed"), ("param", "Motor:state"),
                                          ("since", since), ("until", until), ("format", "csv")])
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(r.text)))
    want = sorted([(ts, "Motor:speed", v) for ts, v in written[("Motor", "speed")]
                   if since <= ts < until] + [(T0 + 10, "Motor:state", "running")])
    assert lines[0] == ["timestamp", "param", "value"]
    assert [(float(a), b, c) for a, b, c in lines[1:]] == want


@pytest.mark.parametrize("query, status", [
    ({}, 400),
    ({"param": "Motor:nope"}, 404),
    ({"param": "Motor"}, 400),
    ({"param": "Motor:speed", "since": "yesterday-ish"}, 400),
    ({"param": "Motor:speed", "since": "100", "until": "50"}, 400),
    ({"param": "Motor:speed", "buckets": "0"}, 400),
    ({"param": "Motor:speed", "buckets": "lots"}, 400),
    ({"param": "Motor:speed", "format": "xml"}, 400),
])
def test_history_refuses_bad_queries_with_one_line(backend, query, status):
    """Bad or unknown history queries get a 4xx with a one-line JSON error."""
    write_status()
    with client() as c:
        one_line_error(c.get("/api/history", params=query), status)


def write_logs():
    log = API.get_log("Motor.Controller")
    log.debug("quiet")
    log.info("started 100% <b>bold</b>")
    log.warning("hot")
    try:
        raise IOError("port timed out")
    except IOError:
        log.exception("lost contact")
    API.get_log("GPS").error("no fix")
    API.shutdown()


def test_logs_filters_match_plain_python(backend):
    """/api/logs filters by level, logger, module and text as a plain scan of the rows does."""
    write_logs()
    rows = backend.sql("SELECT id, level, logger, module, message FROM log ORDER BY id")
    with client() as c:
        def ids(**q):
            return [r["id"] for r in c.get("/api/logs", params=q).json()["rows"]]
        assert ids() == [r[0] for r in rows]
        assert ids(level="WARNING") == [r[0] for r in rows if r[1] >= 30]
        assert ids(level="40") == [r[0] for r in rows if r[1] >= 40]
        assert ids(logger="GPS") == [r[0] for r in rows if r[2] == "GPS"]
        assert ids(q="100%") == [r[0] for r in rows if "100%" in r[4]]
        assert ids(limit=2) == [r[0] for r in rows][-2:]
        assert ids(module=rows[0][3]) == [r[0] for r in rows if r[3] == rows[0][3]]
        full = [r for r in c.get("/api/logs").json()["rows"] if r["message"].startswith("lost")]
        assert "Traceback" in full[0]["message"] and "port timed out" in full[0]["message"]
        assert set(full[0]) >= {"id", "time", "level", "levelname", "logger", "module", "line",
                                "func", "message"}
        facets = c.get("/api/logs?limit=1&facets=1").json()
        assert facets["loggers"] == ["GPS", "Motor.Controller"]
        one_line_error(c.get("/api/logs?level=loud"), 400)
        one_line_error(c.get("/api/logs?limit=0"), 400)
        one_line_error(c.get("/api/logs?since=never"), 400)


def test_config_tree_versions_and_errors(backend):
    """/api/config gives the tree of a version (or under root); unknown ones are 404."""
    cfg = API.get_config("Instrument")
    cfg.set_default("Motor.max_rpm", 1800)
    cfg.set_default("Motor.port", "/dev/ttyUSB0")
    API.get_config("Instrument", version="field").set_default("Motor.max_rpm", 900)
    with client() as c:
        body = c.get("/api/config").json()
        assert body["version"] == "default" and body["versions"] == ["default", "field"]
        assert body["writable"] is False
        [inst] = body["tree"]["children"]
        assert inst["name"] == "Instrument"
        motor = c.get("/api/config?root=Instrument.Motor").json()["tree"]
        assert dict((k["name"], (k["value"], k["datatype"])) for k in motor["children"]) == {
            "max_rpm": (1800, "integer"), "port": ("/dev/ttyUSB0", "string")}
        field = c.get("/api/config?version=field&root=Instrument.Motor.max_rpm").json()
        assert field["tree"]["value"] == 900
        one_line_error(c.get("/api/config?version=nope"), 404)
        one_line_error(c.get("/api/config?root=Instrument.Nope"), 404)
    assert [r[0] for r in backend.sql("SELECT name FROM config_version ORDER BY name")] == [
        "default", "field"]  # reading created no version


def _no_body():
    async def receive():
        raise AssertionError("the body was read")
    return receive


def test_post_config_without_read_write_is_403_before_the_body(backend):
    """Without --read-write, POST /api/config is refused without reading its body."""
    import asyncio
    app = make_app(Options())
    sent = []

    async def send(message):
        sent.append(message)
    scope = {"type": "http", "method": "POST", "path": "/api/config", "raw_path": b"/api/config",
             "query_string": b"", "headers": [(b"host", b"127.0.0.1"),
                                               (b"content-type", b"application/json")],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80), "scheme": "http",
             "http_version": "1.1", "root_path": ""}
    asyncio.new_event_loop().run_until_complete(app(scope, _no_body(), send))
    assert sent[0]["status"] == 403
    body = json.loads(b"".join(m.get("body", b"") for m in sent[1:]).decode())
    assert "read-only" in body["error"]


@pytest.fixture
def login(tmp_path):
    path = str(tmp_path / "web.json")
    _auth.set_password("alice", PASSWORD, path=path, iterations=1000)
    return path


def test_config_write_needs_login_and_csrf_and_is_recorded(backend, login):
    """POST /api/config needs a session (401) and CSRF (403); a good one is stored, logged."""
    API.get_config("Instrument").set_default("Motor.max_rpm", 1800)
    API.shutdown()
    API.reset()
    with client(read_write=True, password_path=login) as c:
        change = {"path": "Instrument.Motor.max_rpm", "value": "1500"}
        one_line_error(c.post("/api/config", json=change), 401)
        one_line_error(c.post("/api/login", json={"user": "alice", "password": "wrong"}), 401)
        one_line_error(c.post("/api/login", json={"user": "bob", "password": PASSWORD}), 401)
        r = c.post("/api/login", json={"user": "alice", "password": PASSWORD})
        assert r.status_code == 200 and "httponly" in r.headers["set-cookie"].lower()
        assert "samesite=strict" in r.headers["set-cookie"].lower()
        csrf = r.json()["csrf"]
        assert c.get("/api/config").json()["writable"] is True
        one_line_error(c.post("/api/config", json=change), 403)
        one_line_error(c.post("/api/config", json=change, headers={"X-CSRF-Token": "x" + csrf}),
                       403)
        r = c.post("/api/config", json=change, headers={"X-CSRF-Token": csrf})
        assert r.status_code == 200, r.text
        assert r.json()["value"] == 1500
        bad = dict(change, value="fast")
        assert "integer" in one_line_error(
            c.post("/api/config", json=bad, headers={"X-CSRF-Token": csrf}), 400)
        one_line_error(c.post("/api/config", json=dict(change, path="Instrument.Nope"),
                              headers={"X-CSRF-Token": csrf}), 404)
        one_line_error(c.post("/api/config", content="path=x", headers={
            "X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded"}), 400)
        c.post("/api/logout")
        one_line_error(c.post("/api/config", json=change, headers={"X-CSRF-Token": csrf}), 401)
    assert backend.sql("SELECT value FROM config WHERE name = %s", ("max_rpm",)) == [("1500",)]
    API.shutdown()
    logged = [r[0] for r in backend.sql("SELECT message FROM log WHERE logger = %s",
                                        ("CryoCore.Web",))]
    assert len(logged) == 1 and "web user alice" in logged[0] and "max_rpm" in logged[0]


def test_no_get_changes_state(backend, login):
    """Login, logout and config writes refuse GET (405); GET /api/config never writes."""
    API.get_config("Instrument").set_default("Motor.max_rpm", 1800)
    with client(read_write=True, password_path=login) as c:
        for path in ("/api/login", "/api/logout"):
            one_line_error(c.get(path), 405)
        c.get("/api/config?path=Instrument.Motor.max_rpm&value=1")
    assert backend.sql("SELECT value FROM config WHERE name = %s", ("max_rpm",)) == [("1800",)]


def test_beyond_localhost_reads_need_a_login_unless_public(backend, login):
    """Beyond localhost pages and API need a login unless --public; static and login stay open."""
    write_status()
    with TestClient(make_app(Options(host="0.0.0.0", password_path=login)),
                    base_url="http://192.0.2.1") as c:
        one_line_error(c.get("/api/latest"), 401)
        r = c.get("/status", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        assert c.get("/static/app.css").status_code == 200
        assert c.get("/login").status_code == 200
        c.post("/api/login", json={"user": "alice", "password": PASSWORD})
        assert len(c.get("/api/latest").json()["values"]) == 3
    with TestClient(make_app(Options(host="0.0.0.0", public=True)),
                    base_url="http://192.0.2.1") as c:
        assert c.get("/api/latest").status_code == 200


def test_localhost_server_refuses_other_host_names(backend):
    """Bound to localhost, a request naming another host (DNS rebinding) is refused."""
    with client() as c:
        assert c.get("/api/channels", headers={"host": "evil.example"}).status_code == 400
        assert c.get("/api/channels", headers={"host": "localhost:8080"}).status_code == 200


def test_cors_only_for_the_configured_origin(backend):
    """No CORS headers unless --cors-origin; then only for that origin, and only GET."""
    with client() as c:
        r = c.get("/api/channels", headers={"Origin": "http://other.example"})
        assert "access-control-allow-origin" not in r.headers
    with client(cors_origin="http://mine.example") as c:
        r = c.get("/api/channels", headers={"Origin": "http://mine.example"})
        assert r.headers["access-control-allow-origin"] == "http://mine.example"
        r = c.get("/api/channels", headers={"Origin": "http://other.example"})
        assert "access-control-allow-origin" not in r.headers
        r = c.options("/api/config", headers={"Origin": "http://mine.example",
                                              "Access-Control-Request-Method": "POST"})
        assert r.status_code == 400


def test_pages_and_assets_are_served_by_the_package_with_a_strict_policy(backend):
    """Pages and assets come from the package only; the CSP forbids inline, foreign scripts."""
    from CryoCore.Web._app import PAGES
    import re
    with client() as c:
        for path in PAGES:
            r = c.get(path)
            assert r.status_code == 200 and "<html" in r.text
            csp = r.headers["content-security-policy"]
            assert "script-src 'self';" in csp and "default-src 'none'" in csp
            for ref in re.findall(r'(?:src|href)="([^"]+)"', r.text):
                assert ref[:1] in ("/", "#") or ref.startswith("data:"), ref
                if ref.startswith("/static/"):
                    assert c.get(ref).status_code == 200, ref
        assert "uPlot" in c.get("/static/vendor/uPlot.iife.min.js").text
        assert "MIT License" in c.get("/static/vendor/uPlot.LICENSE").text


def test_page_scripts_never_parse_data_as_html():
    """No script of the package puts text into the page as HTML (escaping by construction)."""
    from CryoCore.Web._app import STATIC
    for name in os.listdir(STATIC):
        if name.endswith(".js"):
            with open(os.path.join(STATIC, name)) as f:
                text = f.read()
            for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
                assert sink not in text, (name, sink)


def test_hostile_names_values_and_messages_come_back_exactly(backend):
    """Hostile names, values and messages come back exactly through the JSON API."""
    hostile = u"<script>alert('x')</script> %s \"; DROP TABLE status; --"
    API.get_status(u"Chan<b>").new(u"na'me%").set_value(hostile, timestamp=T0)
    API.get_log(u"log<i>").error(hostile)
    API.shutdown()
    with client() as c:
        [v] = c.get("/api/latest").json()["values"]
        assert (v["channel"], v["name"], v["value"]) == (u"Chan<b>", u"na'me%", hostile)
        r = c.get("/api/history", params={"param": u"Chan<b>:na'me%", "since": T0 - 1,
                                          "until": T0 + 1})
        assert r.json()["rows"] == [[T0, hostile]]
        [row] = c.get("/api/logs").json()["rows"]
        assert (row["logger"], row["message"]) == (u"log<i>", hostile)


def test_changes_lists_the_config_history_or_says_it_is_not_available(backend, login):
    """/api/changes gives the config history since a time, or a one-line 501 without it."""
    from CryoCore.Web._config_data import ConfigData
    API.get_config("Instrument").set_default("Motor.max_rpm", 1800)
    API.shutdown()
    API.reset()
    with client(read_write=True, password_path=login) as c:
        if not ConfigData.has_history_support():
            one_line_error(c.get("/api/changes?since=1d"), 501)
            return
        csrf = c.post("/api/login", json={"user": "alice", "password": PASSWORD}).json()["csrf"]
        before = time.time()
        assert c.post("/api/config", json={"path": "Instrument.Motor.max_rpm", "value": 1500},
                      headers={"X-CSRF-Token": csrf}).status_code == 200
        body = c.get("/api/changes", params={"since": before - 0.001}).json()
        one_line_error(c.get("/api/changes?since=soon"), 400)
        one_line_error(c.get("/api/changes?version=nope"), 404)
    assert body["version"] == "default"
    [change] = body["changes"]
    assert (change["path"], change["op"], change["old_value"], change["value"]) == (
        "Instrument.Motor.max_rpm", "set", "1800", "1500")
    assert change["time"] >= before


def raw_history(backend, name):
    """(op, old_value, value, user, host, program) of config_history rows of parameter
    `name`, oldest first, read with the raw driver (sqlite3 / mysql-connector)."""
    sql = ("SELECT op, old_value, value, user, host, program FROM config_history "
           "WHERE name = '%s' ORDER BY id" % name)
    if backend.kind == "sqlite":
        import sqlite3
        conn = sqlite3.connect(backend.settings["db_path"])
    else:
        from conftest import mysql_connect
        conn = mysql_connect(backend.settings["db_name"])
    try:
        cur = conn.cursor()
        cur.execute(sql)
        return [tuple(r) for r in cur.fetchall()]
    finally:
        conn.close()


def test_web_config_write_is_in_the_history_as_the_web_user(backend, login):
    """A logged-in POST /api/config is recorded in config_history (and shown by ConfigTool.py
    history) as made by the web user from the client's address by WebServer.py; a write
    from this process right after it keeps this process's account."""
    from CryoCore.Core._config_history import who
    from test_configtool import tool
    API.get_config("Instrument").set_default("Motor.max_rpm", 1800)
    API.shutdown()
    API.reset()
    with client(read_write=True, password_path=login) as c:
        csrf = c.post("/api/login", json={"user": "alice", "password": PASSWORD}).json()["csrf"]
        assert c.post("/api/config", json={"path": "Instrument.Motor.max_rpm", "value": 1500},
                      headers={"X-CSRF-Token": csrf}).status_code == 200
    API.get_config("Instrument").set("Motor.max_rpm", 1200)
    API.shutdown()
    me = who()
    rows = raw_history(backend, "max_rpm")
    assert rows[-2:] == [("set", "1800", "1500", "alice", "testclient", "WebServer.py"),
                         ("set", "1500", "1200") + me]
    code, out, err = tool(backend, "history", "Instrument.Motor.max_rpm")
    assert code == 0, err
    lines = out.splitlines()
    assert "alice@testclient WebServer.py" in lines[-2] and "1800 -> 1500" in lines[-2]
    assert "%s@%s %s" % me in lines[-1] and "alice" not in lines[-1]


@pytest.fixture
def missing(request, tmp_path):
    """Settings naming a database that does not exist (SQLite file or MariaDB database)."""
    if request.param == "sqlite":
        path = str(tmp_path / "nothing-here.db")
        return {"db_type": "sqlite", "db_path": path}, lambda: os.path.exists(path)
    from conftest import MYSQL_SERVER, mysql_connect, require_mysql
    require_mysql()
    name = "ccweb_missing_%d" % os.getpid()

    def exists():
        conn = mysql_connect()
        cur = conn.cursor()
        cur.execute("SHOW DATABASES LIKE %s", (name,))
        found = cur.fetchall()
        conn.close()
        return bool(found)
    return dict(MYSQL_SERVER, db_type="mysql", db_name=name), exists


@pytest.mark.parametrize("missing", ["sqlite", "mysql"], indirect=True)
def test_a_missing_database_reads_as_empty_and_is_never_created(missing, monkeypatch, tmp_path):
    """Read endpoints answer "no data" for a missing database and create nothing."""
    settings, exists = missing
    path = str(tmp_path / "settings.json")
    with open(path, "w") as f:
        json.dump(settings, f)
    monkeypatch.setenv("CRYOCORE_CONFIG", path)
    with client() as c:
        assert c.get("/api/channels").json() == {"channels": []}
        latest = c.get("/api/latest").json()
        assert latest["values"] == [] and latest["database"] is False
        assert c.get("/api/logs").json()["rows"] == []
        assert c.get("/api/config").json()["tree"] is None
        one_line_error(c.get("/api/history?param=A:b"), 404)
        assert c.get("/").status_code == 200
    assert not exists()


def test_the_server_picks_up_a_database_created_after_it_started(backend, monkeypatch,
                                                                 tmp_path):
    """Started before any writer, the server shows the data once a writer creates it."""
    if backend.kind == "sqlite":
        os.remove(backend.settings["db_path"]) if os.path.exists(backend.settings["db_path"]) \
            else None
    with client() as c:
        before = c.get("/api/latest").json()["values"]
        API.get_status("Late").new("x").set_value(1, timestamp=T0)
        API.shutdown()
        deadline = time.time() + 5
        while time.time() < deadline:
            after = c.get("/api/latest").json()["values"]
            if after:
                break
            time.sleep(0.1)
    assert before == [] and [(v["channel"], v["value"]) for v in after] == [("Late", "1")]


def test_max_id2d_follows_the_grid_rows(backend):
    """StatusReader.max_id2d is 0 without 2-D rows and then the highest status2d id (raw SQL)."""
    from CryoCore.Core._status_reader import StatusReader
    API.get_status("G")["x"] = 1
    API.shutdown()
    reader = StatusReader()
    try:
        assert reader.max_id2d() == 0
        grid = API.get_status("G").new2d("cells", (2, 2), 0)
        grid.set_value((1, 1), 9)
        grid.set_value((0, 1), 3)
        API.shutdown()
        assert reader.max_id2d() == backend.sql("SELECT MAX(id) FROM status2d")[0][0] > 0
    finally:
        reader.close()


def test_changes_since_with_expires_adds_each_rows_expiry(backend):
    """changes_since(expires=True) ends each row with its expires; without it five fields."""
    from CryoCore.Core._status_reader import StatusReader
    elem = API.get_status("E").new("v", expire_time=7)
    elem.set_value(1, timestamp=T0)
    API.get_status("E").new("w").set_value(2, timestamp=T0 + 1)
    API.shutdown()
    reader = StatusReader()
    try:
        _, plain = reader.changes_since(0)
        _, rows = reader.changes_since(0, expires=True)
    finally:
        reader.close()
    raw = backend.sql("SELECT id, expires FROM status ORDER BY id")
    assert [len(r) for r in plain] == [5, 5]
    assert [(r[0], r[5]) for r in rows] == [tuple(r) for r in raw]
    assert rows[0][5] == pytest.approx(T0 + 7) and rows[1][5] is None


def _schema_text(backend):
    if backend.kind == "sqlite":
        return backend.sql("SELECT type, name, sql FROM sqlite_master ORDER BY name")
    tables = [r[0] for r in backend.sql("SHOW TABLES")]
    return [backend.sql("SHOW CREATE TABLE %s" % t) for t in sorted(tables)]


def test_an_original_cryocore_database_is_shown_and_left_as_it_was(backend):
    """The API shows an original-layout database and leaves schema and rows as they were."""
    from CryoCore.Core import _schema
    from CryoCore.Core.InternalDB import mysql
    db = mysql("test-raw", config=backend.settings)
    db._init_sqls(_schema.statements(db.db_type, "status") + _schema.statements(db.db_type, "log"))
    db._execute("INSERT INTO status_channel (name) VALUES ('Old')")
    db._execute("INSERT INTO status_parameter (name, chanid) VALUES ('v', 1)")
    for i in range(20):
        db._execute("INSERT INTO status (timestamp, paramid, chanid, value, expires) "
                    "VALUES (%s, 1, 1, %s, NULL)", (T0 + i, str(i * 2)))
    db._execute("INSERT INTO log (message, level, time, msecs, line, func, module, logger) "
                "VALUES (%s, 40, %s, 0, 12, 'run', 'oldmod', 'Old.logger')", ("old error", T0))
    db.close()
    before = (_schema_text(backend), backend.sql("SELECT * FROM status ORDER BY id"),
              backend.sql("SELECT * FROM log ORDER BY id"))
    with client() as c:
        [v] = c.get("/api/latest").json()["values"]
        assert (v["channel"], v["name"], v["timestamp"], v["value"]) == ("Old", "v", T0 + 19, "38")
        b = c.get("/api/history", params={"param": "Old:v", "since": T0, "until": T0 + 20,
                                           "buckets": 2}).json()["buckets"]
        assert [(x["count"], x["max"]) for x in b] == [(10, 18.0), (10, 38.0)]
        [row] = c.get("/api/logs").json()["rows"]
        assert (row["logger"], row["module"], row["message"]) == ("Old.logger", "oldmod",
                                                                  "old error")
        assert c.get("/api/channels").json()["channels"] == [
            {"channel": "Old", "parameters": ["v"]}]
    after = (_schema_text(backend), backend.sql("SELECT * FROM status ORDER BY id"),
             backend.sql("SELECT * FROM log ORDER BY id"))
    assert after == before


def test_viewing_config_creates_nothing_not_even_the_history(backend):
    """A read-only server shows original config tables and creates nothing, no history."""
    from CryoCore.Core import _schema
    from CryoCore.Core.InternalDB import mysql
    db = mysql("test-raw", config=backend.settings)
    db._init_sqls(_schema.statements(db.db_type, "config"))
    [(vid,)] = db._execute("SELECT id FROM config_version WHERE name = 'default'").fetchall()
    db._execute("INSERT INTO config (version, parent, name, value, datatype) "
                "VALUES (%s, 0, 'fps', '30', 'integer')", (vid,))
    db.close()
    before = (_schema_text(backend), backend.sql("SELECT * FROM config_version"))
    with client() as c:
        tree = c.get("/api/config").json()["tree"]
        assert [(k["name"], k["value"]) for k in tree["children"]] == [("fps", 30)]
        one_line_error(c.get("/api/config?version=other"), 404)
        c.get("/api/changes")
    assert (_schema_text(backend), backend.sql("SELECT * FROM config_version")) == before
