"""Web logins: salted slow password hashes in ~/.cryocore/web.json, sessions, CSRF tokens.

The password file holds ``{"users": {name: {"salt", "hash", "iterations"}}}``
(PBKDF2-HMAC-SHA256), is written atomically with mode 0600 in a 0700 directory,
and never holds a password.  Sessions live in memory: a restart logs everyone out.
"""
from __future__ import absolute_import, division, print_function

import binascii
import hashlib
import hmac
import json
import os
import secrets
import threading
import time

ITERATIONS = 310000          # OWASP's PBKDF2-SHA256 figure (2023)
SESSION_SECONDS = 12 * 3600  # a field day
COOKIE = "ccweb_session"


class AuthError(Exception):
    """A login or password-file problem (one-line message)."""


def password_file():
    """Where the web logins are kept."""
    return os.path.join(os.path.expanduser("~"), ".cryocore", "web.json")


def _hash(password, salt, iterations):
    return hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)


def load_users(path=None):
    """The users of the password file ({} when there is none)."""
    path = path or password_file()
    if not os.path.exists(path):
        return {}
    try:
        with open(path) as f:
            users = json.load(f).get("users", {})
    except (IOError, OSError, ValueError, AttributeError) as e:
        raise AuthError("cannot read %s: %s" % (path, e))
    if not isinstance(users, dict):
        raise AuthError("cannot read %s: \"users\" is not an object" % path)
    return users


def set_password(user, password, path=None, iterations=ITERATIONS):
    """Store a salted slow hash of `password` for `user` (file mode 0600, atomic)."""
    if not user or any(ord(c) < 32 for c in user):
        raise AuthError("a user name must be non-empty text without control characters")
    if len(password) < 8:
        raise AuthError("the password must have at least 8 characters")
    path = path or password_file()
    users = load_users(path)
    salt = os.urandom(16)
    users[user] = {"salt": binascii.hexlify(salt).decode("ascii"),
                   "hash": binascii.hexlify(_hash(password, salt, iterations)).decode("ascii"),
                   "iterations": iterations, "algorithm": "pbkdf2-sha256"}
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    tmp = "%s.%d.tmp" % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"users": users}, f, indent=1, sort_keys=True)
    os.chmod(tmp, 0o600)
    os.rename(tmp, path)
    return path


def check_password(users, user, password):
    """Whether `password` is `user`'s (constant time; unknown users cost the same)."""
    entry = users.get(user) if isinstance(users, dict) else None
    if not isinstance(entry, dict):
        _hash(password, b"0" * 16, ITERATIONS)  # same cost: no user enumeration by timing
        return False
    try:
        salt = binascii.unhexlify(entry["salt"])
        expected = binascii.unhexlify(entry["hash"])
        iterations = int(entry["iterations"])
    except (KeyError, TypeError, ValueError, binascii.Error):
        return False
    return hmac.compare_digest(_hash(password, salt, iterations), expected)


class Session(object):
    """One logged-in browser: its user and its CSRF token."""
    __slots__ = ("token", "user", "csrf", "expires")

    def __init__(self, user, lifetime):
        self.token = secrets.token_urlsafe(32)
        self.csrf = secrets.token_urlsafe(32)
        self.user = user
        self.expires = time.time() + lifetime


class Sessions(object):
    """The server's sessions (in memory, thread-safe)."""

    def __init__(self, lifetime=SESSION_SECONDS):
        self.lifetime = lifetime
        self._by_token = {}
        self._lock = threading.Lock()

    def start(self, user):
        session = Session(user, self.lifetime)
        with self._lock:
            now = time.time()
            for token in [t for t, s in self._by_token.items() if s.expires < now]:
                del self._by_token[token]
            self._by_token[session.token] = session
        return session

    def get(self, token):
        """The live session of cookie value `token`, or None."""
        if not token:
            return None
        with self._lock:
            session = self._by_token.get(token)
            if session is not None and session.expires < time.time():
                del self._by_token[token]
                session = None
        return session

    def end(self, token):
        with self._lock:
            self._by_token.pop(token, None)


def csrf_ok(session, token):
    """Whether `token` is `session`'s CSRF token (constant time)."""
    return (session is not None and bool(token)
            and hmac.compare_digest(session.csrf.encode("ascii"), token.encode("utf-8", "replace")))
