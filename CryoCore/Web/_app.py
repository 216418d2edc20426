"""The dashboard's Starlette app: pages, the JSON API, live events, logins.

Every database call runs in a worker thread under one limiter, so a slow query
never holds up the event loop or another client.  Errors of the API are one-line
JSON objects (``{"error": "..."}``) with a 4xx status, never a traceback.
"""
from __future__ import absolute_import, division, print_function

import asyncio
import contextlib
import csv
import io
import json
import logging
import math
import os
import time

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import (FileResponse, JSONResponse, RedirectResponse, Response,
                                 StreamingResponse)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from CryoCore.Core._exceptions import ConfigValueError
from CryoCore.Core._timeparse import parse_time

from . import _auth
from ._config_data import ConfigData
from ._data import Data, NotFound, json_value
from ._stream import HEARTBEAT, Hub, sse

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
PAGES = {"/": "index.html", "/status": "status.html", "/trends": "trends.html",
         "/logs": "logs.html", "/config": "config.html", "/login": "login.html"}
OPEN_PATHS = ("/login", "/api/login", "/api/session", "/static/", "/favicon.ico")
LOOPBACK = ("127.0.0.1", "::1", "localhost")
MAX_BUCKETS = 20000
MAX_BODY = 16384
LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "WARN": 30, "ERROR": 40, "CRITICAL": 50}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


class Options(object):
    """How the server runs (from WebServer.py's flags)."""

    def __init__(self, host="127.0.0.1", public=False, read_write=False, cors_origin=None,
                 tls=False, db_cfg=None, password_path=None, interval=None):
        self.host = host
        self.public = public
        self.read_write = read_write
        self.cors_origin = cors_origin
        self.tls = tls
        self.db_cfg = db_cfg or None
        self.password_path = password_path
        self.interval = interval

    @property
    def loopback(self):
        return is_loopback(self.host)

    @property
    def login_required(self):
        """Reads need a login when the server listens beyond this machine (unless --public)."""
        return not self.loopback and not self.public


def is_loopback(host):
    return host in LOOPBACK or host.startswith("127.")


class BadRequest(ValueError):
    """A bad query parameter or body (HTTP 400)."""


def error(status, message):
    """A one-line JSON error."""
    return JSONResponse({"error": " ".join(("%s" % (message,)).split())}, status_code=status)


def finite(value):
    """`value` for JSON: NaN and infinities become null."""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


# -- query parameters --------------------------------------------------------------
def q_time(request, name, default=None, now=None):
    text = request.query_params.get(name)
    if text in (None, ""):
        return default
    try:
        return parse_time(text, now=now)
    except ValueError as e:
        raise BadRequest("%s: %s" % (name, e))


def q_int(request, name, default, low, high):
    text = request.query_params.get(name)
    if text in (None, ""):
        return default
    try:
        value = int(text)
    except ValueError:
        raise BadRequest("%s must be an integer, not %r" % (name, text))
    if not low <= value <= high:
        raise BadRequest("%s must be between %d and %d" % (name, low, high))
    return value


def q_level(request):
    text = request.query_params.get("level")
    if text in (None, ""):
        return None
    if text.upper() in LEVELS:
        return LEVELS[text.upper()]
    try:
        return int(text)
    except ValueError:
        raise BadRequest("level must be a number or one of DEBUG, INFO, WARNING, ERROR, "
                         "CRITICAL, not %r" % text)


def q_range(request):
    now = time.time()
    until = q_time(request, "until", now, now)
    since = q_time(request, "since", until - 3600, now)
    if until <= since:
        raise BadRequest("until must be after since")
    return since, until


class Server(object):
    """The app's state: options, readers, the live hub, sessions."""

    def __init__(self, options):
        self.options = options
        self.limiter = anyio.CapacityLimiter(4)
        self.data = Data(options.db_cfg)
        self.config = ConfigData(options.db_cfg, writable=options.read_write)
        self.hub = Hub(self.data, self.limiter, **({"interval": options.interval}
                                                    if options.interval else {}))
        self.sessions = _auth.Sessions()

    async def run(self, fn, *args, **kwargs):
        """`fn(*args, **kwargs)` in a worker thread."""
        return await anyio.to_thread.run_sync(lambda: fn(*args, **kwargs), limiter=self.limiter)

    def session(self, request):
        return self.sessions.get(request.cookies.get(_auth.COOKIE))

    # -- pages ---------------------------------------------------------------------
    async def page(self, request):
        return FileResponse(os.path.join(STATIC, PAGES[request.url.path]),
                            headers={"Cache-Control": "no-cache"})

    # -- status ----------------------------------------------------------------------
    async def channels(self, request):
        return JSONResponse({"channels": await self.run(self.data.channels)})

    async def latest(self, request):
        channel = request.query_params.get("channel") or None
        result = await self.run(self.data.latest, channel)
        result["time"] = time.time()
        return JSONResponse(result)

    async def history(self, request):
        params = request.query_params.getlist("param")
        if not params:
            raise BadRequest("param=Channel:name is needed")
        since, until = q_range(request)
        found = [await self.run(self.data.param, p) for p in params]
        fmt = request.query_params.get("format", "json")
        if fmt == "csv":
            return self._csv(found, since, until)
        if fmt != "json":
            raise BadRequest("format must be json or csv")
        if len(found) != 1:
            raise BadRequest("one param per JSON request (CSV takes several)")
        n = q_int(request, "buckets", None, 1, MAX_BUCKETS)
        name = "%s:%s" % found[0]
        if n is None:
            return self._rows_json(name, found, since, until)
        buckets = await self.run(self.data.buckets, found[0], since, until, n)
        return JSONResponse({"param": name, "since": since, "until": until,
                             "buckets": [dict((k, finite(v)) for k, v in b.items())
                                         for b in buckets]})

    def _stream_chunks(self, params, since, until, render):
        chunks = self.data.history_chunks(params, since, until)

        async def body():
            try:
                while True:
                    rows = await self.run(next, chunks, None)
                    if rows is None:
                        break
                    yield render(rows)
            finally:
                with anyio.CancelScope(shield=True):
                    await self.run(chunks.close)
        return body()

    def _rows_json(self, name, params, since, until):
        state = {"first": True}

        def render(rows):
            text = ",".join(json.dumps([ts, json_value(v)], allow_nan=False)
                            for ts, _c, _n, v in rows)
            if not state["first"]:
                text = "," + text
            state["first"] = False
            return text

        async def body():
            yield '{"param":%s,"since":%r,"until":%r,"rows":[' % (json.dumps(name), since, until)
            async for part in self._stream_chunks(params, since, until, render):
                yield part
            yield "]}"
        return StreamingResponse(body(), media_type="application/json")

    def _csv(self, params, since, until):
        def render(rows):
            out = io.StringIO()
            w = csv.writer(out, lineterminator="\n")
            for ts, channel, name, value in rows:
                w.writerow(["%.6f" % ts, "%s:%s" % (channel, name), value])
            return out.getvalue()

        async def body():
            yield "timestamp,param,value\n"
            async for part in self._stream_chunks(params, since, until, render):
                yield part
        filename = "cryocore-%s.csv" % time.strftime("%Y%m%d-%H%M%S", time.gmtime(since))
        return StreamingResponse(body(), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": 'attachment; filename="%s"' % filename})

    # -- logs --------------------------------------------------------------------
    async def logs(self, request):
        kwargs = {"since": q_time(request, "since"), "level": q_level(request),
                  "logger": request.query_params.get("logger") or None,
                  "module": request.query_params.get("module") or None,
                  "text": request.query_params.get("q") or None,
                  "limit": q_int(request, "limit", 200, 1, 10000),
                  "after_id": q_int(request, "after", None, 0, 1 << 62)}
        rows = await self.run(self.data.logs, **kwargs)
        result = {"rows": rows, "max_id": rows[-1]["id"] if rows else None}
        if request.query_params.get("facets"):
            result.update(await self.run(self.data.log_facets))
        return JSONResponse(result)

    # -- config ------------------------------------------------------------------
    async def config_get(self, request):
        result = await self.run(self.config.tree, request.query_params.get("version") or None,
                                request.query_params.get("root") or None)
        session = self.session(request)
        result["writable"] = bool(self.options.read_write and session is not None)
        return JSONResponse(result)

    async def config_post(self, request):
        if not self.options.read_write:  # refused before the body is read
            return error(403, "this server is read-only (start it with --read-write)")
        session = self.session(request)
        if session is None:
            return error(401, "log in first (POST /api/login)")
        if not _auth.csrf_ok(session, request.headers.get("x-csrf-token")):
            return error(403, "missing or wrong X-CSRF-Token header")
        body = await self._json_body(request)
        for key in ("path", "value"):
            if key not in body:
                raise BadRequest("the body needs %r" % key)
        path, value, version = body["path"], body["value"], body.get("version")
        if not isinstance(path, str) or not path or (version is not None
                                                     and not isinstance(version, str)):
            raise BadRequest("path and version must be text")
        if not isinstance(value, (str, int, float, bool)):
            raise BadRequest("value must be text, a number or a boolean")
        author = (session.user, client_host(request), "WebServer.py")
        result = await self.run(self.config.set, version, path, value, author)
        _record_write(session.user, result, request)
        return JSONResponse(result)

    async def changes(self, request):
        if not self.config.has_history_support():
            return error(501, "the config history (/api/changes) is not available in this "
                              "version of CryoCore")
        now = time.time()
        since = q_time(request, "since", now - 86400, now)
        result = await self.run(self.config.changes, request.query_params.get("version") or None,
                                request.query_params.get("root") or None, since)
        return JSONResponse(result)

    # -- logins ------------------------------------------------------------------
    async def _json_body(self, request):
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            raise BadRequest("the body must be JSON (Content-Type: application/json)")
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY:
                raise BadRequest("the body is too large")
        try:
            body = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("the body is not valid JSON")
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object")
        return body

    async def session_info(self, request):
        session = self.session(request)
        users = await self.run(_auth.load_users, self.options.password_path)
        return JSONResponse({"user": session.user if session else None,
                             "csrf": session.csrf if session else None,
                             "read_write": self.options.read_write,
                             "login_required": self.options.login_required,
                             "logins": bool(users)})

    async def login(self, request):
        body = await self._json_body(request)
        user, password = body.get("user"), body.get("password")
        if not isinstance(user, str) or not isinstance(password, str):
            raise BadRequest("the body needs \"user\" and \"password\" (text)")
        users = await self.run(_auth.load_users, self.options.password_path)
        if not users:
            return error(403, "no logins: run WebServer.py --set-password on the server")
        if not await self.run(_auth.check_password, users, user, password):
            await asyncio.sleep(0.5)  # slows guessing down further
            return error(401, "wrong user or password")
        session = self.sessions.start(user)
        response = JSONResponse({"user": user, "csrf": session.csrf})
        response.set_cookie(_auth.COOKIE, session.token, httponly=True, samesite="strict",
                            secure=self.options.tls, path="/")
        return response

    async def logout(self, request):
        self.sessions.end(request.cookies.get(_auth.COOKIE))
        response = JSONResponse({"user": None})
        response.delete_cookie(_auth.COOKIE, path="/")
        return response

    # -- live events -------------------------------------------------------------
    async def stream(self, request):
        queue = self.hub.subscribe()

        async def events():
            try:
                yield sse("hello", {"time": time.time()})
                while True:
                    try:
                        text = await asyncio.wait_for(queue.get(), HEARTBEAT)
                    except asyncio.TimeoutError:
                        text = ": ping\n\n"
                    yield text
            finally:
                self.hub.unsubscribe(queue)
        return StreamingResponse(events(), media_type="text/event-stream", headers={
            "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def client_host(request):
    """The address the request came from ("?" if the server cannot tell)."""
    return request.client.host if request.client else "?"


def _record_write(user, result, request):
    """Record a config write as made by the web user (a row of logger CryoCore.Web)."""
    from CryoCore import API
    client = client_host(request)
    API.get_log("CryoCore.Web").info(
        "config %s = %r (version %s) set by web user %s from %s",
        result["path"], result["value"], result["version"], user, client)


# -- middleware ---------------------------------------------------------------------
class Guard(object):
    """Security headers on every response; a login for reads where the server asks for it."""

    def __init__(self, app, server):
        self.app = app
        self.server = server

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        if self.server.options.login_required and not path.startswith(OPEN_PATHS):
            if self.server.session(Request(scope)) is None:
                if path.startswith("/api/"):
                    response = error(401, "log in first (POST /api/login)")
                else:
                    response = RedirectResponse("/login?next=" + path, status_code=303)
                return await response(scope, receive, self._headers(send))
        await self.app(scope, receive, self._headers(send))

    def _headers(self, send):
        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"content-security-policy", CSP.encode()),
                            (b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"no-referrer"),
                            (b"x-frame-options", b"DENY")]
                message = dict(message, headers=headers)
            await send(message)
        return send_with_headers


def make_app(options=None):
    """The dashboard app for `options` (an Options)."""
    options = options or Options()
    server = Server(options)

    async def bad_request(request, exc):
        return error(400, exc)

    async def not_found(request, exc):
        return error(404, exc)

    async def config_value(request, exc):
        return error(400, exc)

    async def http_error(request, exc):
        if request.url.path.startswith("/api/"):
            return error(exc.status_code, exc.detail)
        return Response(exc.detail, status_code=exc.status_code, media_type="text/plain")

    async def server_error(request, exc):
        logging.getLogger("CryoCore.Web").exception("request %s failed", request.url.path)
        return error(500, "internal error: %s" % (" ".join(str(exc).split()) or
                                                  exc.__class__.__name__))

    routes = [Route(path, server.page) for path in PAGES]
    routes += [
        Route("/api/channels", server.channels),
        Route("/api/latest", server.latest),
        Route("/api/history", server.history),
        Route("/api/logs", server.logs),
        Route("/api/config", server.config_get, methods=["GET"]),
        Route("/api/config", server.config_post, methods=["POST"]),
        Route("/api/changes", server.changes),
        Route("/api/stream", server.stream),
        Route("/api/session", server.session_info),
        Route("/api/login", server.login, methods=["POST"]),
        Route("/api/logout", server.logout, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = []
    if options.loopback:  # a web page elsewhere cannot reach us by DNS rebinding
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=[
            "127.0.0.1", "localhost", "::1", "[::1]"]))
    if options.cors_origin:
        middleware.append(Middleware(CORSMiddleware, allow_origins=[options.cors_origin],
                                     allow_methods=["GET"]))
    middleware.append(Middleware(Guard, server=server))
    middleware.append(Middleware(GZipMiddleware, minimum_size=1000))

    app = Starlette(routes=routes, middleware=middleware, exception_handlers={
        BadRequest: bad_request, ValueError: bad_request, NotFound: not_found,
        ConfigValueError: config_value,
        HTTPException: http_error, Exception: server_error},
        lifespan=_lifespan(server))
    app.state.server = server
    return app


def _lifespan(server):
    @contextlib.asynccontextmanager
    async def lifespan(app):
        yield
        await server.hub.stop()
        await anyio.to_thread.run_sync(server.data.close)
        await anyio.to_thread.run_sync(server.config.close)
    return lifespan
