"""WebServer.py as a program: logins, start-up refusals, the missing extra, live events."""
from __future__ import absolute_import, division, print_function

import fnmatch
import json
import os
import stat
import subprocess
import sys
import time

import pytest

from _web import ROOT, TOOL, Server

from conftest import importorskip  # noqa: E402

importorskip("starlette")

from CryoCore.Web import _auth  # noqa: E402


def run_tool(args, env=None, stdin=None):
    p = subprocess.Popen([sys.executable, TOOL] + args, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = p.communicate(stdin, timeout=60)
    return p.returncode, out.decode("utf-8"), err.decode("utf-8")


def home_env(tmp_path):
    env = dict(os.environ, HOME=str(tmp_path))
    env["PYTHONPATH"] = ROOT
    return env


def test_set_password_reads_stdin_and_stores_only_a_salted_hash(tmp_path):
    """--set-password reads stdin and stores only a salted hash in a 0600 web.json."""
    env = home_env(tmp_path)
    code, out, err = run_tool(["--set-password", "--user", "alice"], env, b"s3cret-pass\n")
    assert code == 0, err
    path = os.path.join(str(tmp_path), ".cryocore", "web.json")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path) as f:
        text = f.read()
    assert "s3cret-pass" not in text
    entry = json.loads(text)["users"]["alice"]
    assert entry["iterations"] >= 100000 and len(entry["salt"]) == 32
    users = _auth.load_users(path)
    assert _auth.check_password(users, "alice", "s3cret-pass")
    assert not _auth.check_password(users, "alice", "s3cret-pasS")
    code, _, _ = run_tool(["--set-password", "--user", "bob"], env, b"another-pass\n")
    users = _auth.load_users(path)
    assert sorted(users) == ["alice", "bob"] and users["alice"]["salt"] != users["bob"]["salt"]


def test_short_password_is_refused_with_one_line(tmp_path):
    """A password under 8 characters is refused with one Error line; nothing is stored."""
    code, _, err = run_tool(["--set-password", "--user", "x"], home_env(tmp_path), b"short\n")
    assert code == 1 and err.count("\n") == 1 and err.startswith("Error: ")
    assert not os.path.exists(os.path.join(str(tmp_path), ".cryocore", "web.json"))


@pytest.mark.parametrize("args, words", [
    (["--host", "0.0.0.0"], "--set-password"),
    (["--read-write"], "--set-password"),
    (["--certfile", "x.pem"], "--keyfile"),
    (["--port", "0"], "--port"),
])
def test_unsafe_or_incomplete_start_is_refused_with_one_line(tmp_path, args, words):
    """An unsafe or incomplete start is refused with one Error line; nothing listens."""
    code, _, err = run_tool(args, home_env(tmp_path))
    assert code == 1 and err.count("\n") == 1 and err.startswith("Error: ") and words in err


def test_without_the_extra_one_line_names_it(tmp_path):
    """Without Starlette/uvicorn the tool says in one line which extra to install."""
    script = ("import sys; sys.modules['starlette'] = None; sys.modules['uvicorn'] = None\n"
              "sys.argv[0] = 'WebServer.py'\n"
              "from CryoCore.Tools import WebServer, _common\n"
              "sys.exit(_common.run(WebServer.main, []))\n")
    p = subprocess.Popen([sys.executable, "-c", script], env=home_env(tmp_path),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate(timeout=60)
    err = err.decode()
    assert p.returncode == 1 and err.count("\n") == 1
    assert err.startswith("Error: ") and 'pip install "CryoCore[web]"' in err


def test_package_data_ships_every_static_file():
    """setup.py's package_data covers every static file the pages use."""
    with open(os.path.join(ROOT, "setup.py")) as f:
        text = f.read()
    patterns = json.loads(text.split('package_data={"CryoCore.Web": ')[1].split("]")[0]
                          .replace("'", '"') + "]")
    static = os.path.join(ROOT, "CryoCore", "Web", "static")
    for base, _dirs, files in os.walk(static):
        for name in files:
            rel = os.path.relpath(os.path.join(base, name), os.path.dirname(static))
            assert any(fnmatch.fnmatch(rel, p) and rel.count("/") == p.count("/")
                       for p in patterns), rel


class Events(object):
    """SSE events (name, data) of a response, read by a thread."""

    def __init__(self, resp):
        import threading
        self.resp, self.events = resp, []
        self.thread = threading.Thread(target=self._read)
        self.thread.daemon = True
        self.thread.start()

    def _read(self):
        name = None
        try:
            for raw in iter(self.resp.readline, b""):
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    self.events.append((name, json.loads(line[6:])))
        except (IOError, OSError, ValueError):
            pass  # closed by the test

    def wait(self, want, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline and not want(self.events):
            time.sleep(0.02)
        return list(self.events)


def test_stream_delivers_a_change_from_another_process_to_every_client(backend):
    """Two SSE clients each get another process's status change and log row in 1.5 s."""
    from urllib.request import urlopen
    server = Server(backend)
    clients = []
    try:
        for _ in range(2):
            r = urlopen(server.url + "/api/stream", timeout=10)
            assert r.headers["content-type"].startswith("text/event-stream")
            clients.append((r, Events(r)))
            assert clients[-1][1].wait(lambda ev: ev, 5)[0][0] == "hello"
        time.sleep(0.6)  # the hub's first poll sets its starting point
        started = time.time()
        subprocess.check_call([sys.executable, "-c", (
            "from CryoCore import API\n"
            "API.get_status('Live')['v'] = 'x-17'\n"
            "API.get_log('Live').warning('w-17')\n"
            "API.shutdown()\n")], env=backend.env())
        for _, reader in clients:
            events = reader.wait(lambda ev: {"status", "logs"} <= set(e[0] for e in ev), 5)
            status = [row for name, rows in events if name == "status" for row in rows]
            logs = [row for name, rows in events if name == "logs" for row in rows]
            assert [(s[2], s[3], s[4]) for s in status] == [("Live", "v", "x-17")]
            assert [(l["logger"], l["message"]) for l in logs] == [("Live", "w-17")]
        assert time.time() - started < 5  # the process start included; bench/ measures p95
    finally:
        server.stop()
        for r, _ in clients:
            r.close()


def test_tls_serves_https_and_marks_the_session_cookie_secure(backend, tmp_path):
    """With a certificate and key the server speaks HTTPS and the session cookie is Secure."""
    import ssl
    from urllib.request import Request, urlopen
    from _tls import make_certs
    from _web import get
    certs = make_certs(tmp_path / "certs", names=("server",))
    _auth.set_password("alice", "correct horse", iterations=1000,
                       path=os.path.join(str(tmp_path), ".cryocore", "web.json"))
    server = Server(backend, "--certfile", certs["server_cert"], "--keyfile",
                    certs["server_key"], env={"HOME": str(tmp_path)}, ca=certs["ca"])
    try:
        assert server.url.startswith("https://")
        status, body = get(server.url + "/api/session", 5, certs["ca"])
        assert status == 200 and body["user"] is None
        login = Request(server.url + "/api/login", data=json.dumps(
            {"user": "alice", "password": "correct horse"}).encode(),
            headers={"Content-Type": "application/json"})
        r = urlopen(login, context=ssl.create_default_context(cafile=certs["ca"]), timeout=10)
        cookie = r.headers["set-cookie"].lower()
        assert "secure" in cookie and "httponly" in cookie
        import http.client
        with pytest.raises((IOError, http.client.HTTPException)):  # no plain HTTP
            get(server.url.replace("https", "http") + "/api/session", 3)
    finally:
        server.stop()
