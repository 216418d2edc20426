#!/usr/bin/env python
# PYTHON_ARGCOMPLETE_OK
"""WebServer: the web dashboard (live status, trends, logs, config) in a browser.

Listens on 127.0.0.1:8080 unless told otherwise.  Beyond this machine every page
asks for a login (``--public`` allows anonymous reads); config changes need
``--read-write`` and a login.  ``--set-password`` stores a login (the password is
read from the terminal or standard input, never from the command line).
Needs Python 3 and ``pip install "CryoCore[web]"``.
"""
from __future__ import absolute_import, division, print_function

import getpass
import os
import signal
import sys

if __package__ in (None, ""):  # run as ./CryoCore/Tools/WebServer.py from a checkout
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from CryoCore.Tools import _common  # noqa: E402

EXTRA = 'the web dashboard needs Python 3 and its extra: pip install "CryoCore[web]"'


def build_parser():
    parser = _common.make_parser("WebServer.py", "The CryoCore web dashboard.")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--public", action="store_true",
                        help="beyond this machine, allow reading without a login")
    parser.add_argument("--read-write", action="store_true",
                        help="logged-in users may change config values")
    parser.add_argument("--certfile", help="TLS certificate (PEM); with --keyfile")
    parser.add_argument("--keyfile", help="TLS private key (PEM)")
    parser.add_argument("--cors-origin", metavar="URL",
                        help="let pages from this origin read the JSON API")
    parser.add_argument("--set-password", action="store_true",
                        help="store a login (password from the terminal or stdin) and exit")
    parser.add_argument("--user", default=None,
                        help="the login --set-password stores (default: your user name)")
    return parser


def main(argv=None):
    parser = build_parser()
    _common.autocomplete(parser)
    args = parser.parse_args(argv)
    if sys.version_info[0] < 3:
        raise _common.ToolError(EXTRA)
    from CryoCore.Web import _auth
    try:
        if args.set_password:
            return _set_password(args, _auth)
        return _serve(args, _auth)
    except _auth.AuthError as e:
        raise _common.ToolError(str(e))


def _read_password():
    if sys.stdin.isatty():
        first = getpass.getpass("New web password: ")
        if getpass.getpass("Again: ") != first:
            raise _common.ToolError("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _set_password(args, _auth):
    user = args.user or getpass.getuser()
    path = _auth.set_password(user, _read_password())
    print("Stored the web login %s in %s" % (user, path))
    return 0


def _serve(args, _auth):
    try:
        import starlette  # noqa: F401
        import uvicorn
    except ImportError:
        raise _common.ToolError(EXTRA)
    from CryoCore.Web._app import Options, is_loopback, make_app
    if bool(args.certfile) != bool(args.keyfile):
        raise _common.ToolError("--certfile and --keyfile go together")
    if not 0 < args.port < 65536:
        raise _common.ToolError("--port must be between 1 and 65535")
    users = _auth.load_users()
    if not users and not is_loopback(args.host) and not args.public:
        raise _common.ToolError("listening on %s needs a login: run WebServer.py "
                                "--set-password first, or give --public" % args.host)
    if not users and args.read_write:
        raise _common.ToolError("--read-write needs a login: run WebServer.py --set-password")
    _common.apply_db_flags(args)
    options = Options(host=args.host, public=args.public, read_write=args.read_write,
                      cors_origin=args.cors_origin, tls=bool(args.certfile),
                      db_cfg=_common.db_flags(args))
    app = make_app(options)
    scheme = "https" if args.certfile else "http"
    print("CryoCore web dashboard on %s://%s:%d/ (Ctrl-C stops)"
          % (scheme, "[%s]" % args.host if ":" in args.host else args.host, args.port))
    sys.stdout.flush()
    # uvicorn re-raises the SIGTERM it caught once it has stopped; with Python's default
    # action the process would die there, before the API stores what it holds (the log
    # rows that record config writes).  As SystemExit it ends through the normal shutdown.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    uvicorn.run(app, host=args.host, port=args.port, ssl_certfile=args.certfile,
                ssl_keyfile=args.keyfile, log_level="warning", access_log=False,
                timeout_graceful_shutdown=2)
    return 0


def _exit_on_sigterm(signum, frame):
    raise SystemExit(0)


def console_main():
    """Console-script entry point."""
    _common.console(main)


if __name__ == "__main__":
    console_main()
