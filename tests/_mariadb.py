"""A private MariaDB server for tests that stop, pause or restart it (spec section 8)."""
from __future__ import absolute_import, division, print_function

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class PrivateMariaDB(object):
    """``mariadbd`` with its own data directory and port; root without password over TCP."""

    def __init__(self, port=None, extra_args=()):
        self.port = port or free_port()
        self.dir = tempfile.mkdtemp(prefix="cc-mariadb-")
        self.datadir = os.path.join(self.dir, "data")
        self.socket = os.path.join(self.dir, "mysqld.sock")
        self.extra_args = list(extra_args)
        self.proc = None
        self._installed = False

    @property
    def server(self):
        return {"db_host": "127.0.0.1", "db_port": self.port, "db_user": "root",
                "db_password": ""}

    def settings(self, db_name="cryocore"):
        return dict(self.server, db_type="mysql", db_name=db_name)

    def start(self, timeout=30):
        if not self._installed:
            subprocess.check_call(
                ["mariadb-install-db", "--no-defaults", "--datadir=" + self.datadir,
                 "--user=root", "--auth-root-authentication-method=normal",
                 "--skip-test-db"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self._installed = True
        self.proc = subprocess.Popen(
            ["mariadbd", "--no-defaults", "--user=root", "--datadir=" + self.datadir,
             "--port=%d" % self.port, "--bind-address=127.0.0.1", "--socket=" + self.socket,
             "--skip-grant-tables", "--innodb-buffer-pool-size=32M",
             "--innodb-log-file-size=16M", "--skip-log-bin",
             "--tmpdir=" + self._tmpdir(),  # its own: never shares /tmp's temp tables
             "--pid-file=" + os.path.join(self.dir, "mysqld.pid")] + self.extra_args,
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "err.log"), "ab"))
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("private mariadbd exited: see %s/err.log" % self.dir)
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                return self
            except (socket.error, OSError):
                time.sleep(0.1)
        raise RuntimeError("private mariadbd did not start within %ss" % timeout)

    def _tmpdir(self):
        path = os.path.join(self.dir, "tmp")
        if not os.path.isdir(path):
            os.makedirs(path)
        return path

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def pause(self):
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self):
        self.proc.send_signal(signal.SIGCONT)

    def destroy(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def start_private(extra_args=(), attempts=3):
    """A started PrivateMariaDB; retried on a fresh port (another process may take a free
    port between our probe and the server's bind)."""
    for attempt in range(attempts):
        server = PrivateMariaDB(extra_args=extra_args)
        try:
            return server.start()
        except RuntimeError:
            server.destroy()
            if attempt == attempts - 1:
                raise
