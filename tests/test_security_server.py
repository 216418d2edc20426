"""TLS to a private MariaDB with a self-signed certificate; install.sh keeps passwords out of
process arguments and writes ~/.cryoconfig 0600 (issue 8)."""
from __future__ import absolute_import, division, print_function

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import threading

import pytest

from CryoCore import API
from CryoCore.Core import InternalDB
from CryoCore.Core._exceptions import DatabaseError

from _mariadb import PrivateMariaDB, start_private
from _tls import make_certs
from conftest import ROOT, mysql_connect, require_mysql, write_settings


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def tls_server(certs):
    """TLS required for every TCP connection; user x509 needs a client certificate."""
    s = PrivateMariaDB(extra_args=["--ssl-ca=" + certs["ca"], "--ssl-cert=" + certs["server_cert"],
                                   "--ssl-key=" + certs["server_key"],
                                   "--require-secure-transport=ON"]).start()
    try:
        import mysql.connector
        conn = mysql.connector.connect(host="127.0.0.1", port=s.port, user="root", password="",
                                       use_pure=True, autocommit=True, ssl_ca=certs["ca"])
        cur = conn.cursor()
        cur.execute("FLUSH PRIVILEGES")  # load the grant tables: from now on they apply
        cur.execute("CREATE USER 'x509'@'%' IDENTIFIED BY 'pw-x509' REQUIRE X509")
        cur.execute("GRANT ALL ON *.* TO 'x509'@'%'")
        conn.close()
        yield s
    finally:
        s.destroy()


def _cipher(settings):
    db = InternalDB.mysql("tls", config=dict(settings, db_type="mysql", db_timeout=5))
    try:
        return db._execute("SHOW STATUS LIKE 'Ssl_cipher'").fetchone()[1]
    finally:
        db.close()


def test_ssl_settings_give_an_encrypted_verified_connection(tls_server, certs):
    """The ssl settings give a TLS connection; plain TCP is refused by this server."""
    base = tls_server.settings("tlsdb")
    assert _cipher(dict(base, ssl={"enabled": True, "ca": certs["ca"]}))
    assert _cipher(dict(base, ssl={"enabled": True, "ca": certs["ca"], "verify_identity": True}))
    with pytest.raises(DatabaseError) as e:  # no ssl settings: plain TCP, refused by the server
        _cipher(base)
    assert e.value.connection_error and "Traceback" not in str(e.value)


def test_a_server_certificate_from_another_ca_is_refused(tls_server, tmp_path):
    """A server certificate from another CA is refused unless "verify": false."""
    other = make_certs(tmp_path / "other", names=())
    base = tls_server.settings("tlsdb")
    with pytest.raises(DatabaseError) as e:
        _cipher(dict(base, ssl={"enabled": True, "ca": other["ca"]}))
    assert "certificate verify failed" in str(e.value).lower()
    # "verify": false is the explicit escape hatch (encrypted, not authenticated)
    assert _cipher(dict(base, ssl={"enabled": True, "ca": other["ca"], "verify": False}))


def test_verify_identity_refuses_a_certificate_for_another_host(tmp_path):
    """verify_identity: a server certificate of the right CA but for another host is refused."""
    other = make_certs(tmp_path / "other-host", names=("server",), host="db.example.org",
                       san="DNS:db.example.org")
    s = start_private(extra_args=["--ssl-ca=" + other["ca"], "--ssl-cert=" + other["server_cert"],
                                   "--ssl-key=" + other["server_key"]])
    try:
        base = s.settings("tlsdb")
        assert _cipher(dict(base, ssl={"enabled": True, "ca": other["ca"]}))  # same CA: fine
        with pytest.raises(DatabaseError) as e:
            _cipher(dict(base, ssl={"enabled": True, "ca": other["ca"], "verify_identity": True}))
        assert "mismatch" in str(e.value) and "Traceback" not in str(e.value)  # not another error
    finally:
        s.destroy()


def test_client_certificate_and_key_are_passed(tls_server, certs):
    """A REQUIRE X509 user connects only with the client certificate and key."""
    user = dict(tls_server.settings("tlsdb"), db_user="x509", db_password="pw-x509")
    with pytest.raises(DatabaseError):
        _cipher(dict(user, ssl={"enabled": True, "ca": certs["ca"]}))
    assert _cipher(dict(user, ssl={"enabled": True, "ca": certs["ca"], "cert": certs["client_cert"],
                                   "key": certs["client_key"]}))


def test_services_and_tools_use_tls_from_the_settings_file(tls_server, certs, tmp_path,
                                                           monkeypatch):
    """ssl at top level for every service; plain TCP would be refused by the server."""
    settings = dict(tls_server.settings("tlsapi"), db_timeout=5,
                    ssl={"enabled": True, "ca": certs["ca"]})
    path = write_settings(tmp_path / "settings.json", settings)
    monkeypatch.setenv("CRYOCORE_CONFIG", path)
    cfg = API.get_config("Secure")
    cfg["level"] = 3
    assert cfg._store.db._execute("SHOW STATUS LIKE 'Ssl_cipher'").fetchone()[1]
    API.get_log("Secure").error("over TLS")
    API.shutdown()
    assert _rows(tls_server, certs, "tlsapi", "SELECT message FROM log") == [("over TLS",)]
    API.reset()
    env = dict(os.environ, PYTHONPATH=ROOT, CRYOCORE_CONFIG=path)
    out = subprocess.check_output([sys.executable, "CryoCore/Tools/ConfigTool.py", "list",
                                   "Secure"], cwd=ROOT, env=env, timeout=60)
    assert out.decode().strip() == "Secure.level = 3"


def test_dbsync_to_a_tls_ground(tls_server, certs, tmp_path):
    """DbSync uses ssl from the --to file, with --max-kbps too; every field row arrives."""
    from conftest import make_backend
    from _sync import TOOL, field_rows, produce
    field, _ = make_backend("sqlite", tmp_path)
    produce(field, 200, "tls")
    ground = write_settings(tmp_path / "ground.json", dict(
        tls_server.settings("tlsground"), db_timeout=5, ssl={"enabled": True, "ca": certs["ca"]}))
    subprocess.check_call([sys.executable, TOOL, "--to", ground, "--once", "--source", "t",
                           "--max-kbps", "4000", "--tables", "status,log"], env=field.env(),
                          stdout=subprocess.PIPE, timeout=120)
    for table in ("status", "log"):
        got = _rows(tls_server, certs, "tlsground", "SELECT COUNT(*) FROM %s" % table)
        assert got == [(len(field_rows(field.settings, table)),)], table


def _rows(server, certs, db_name, sql):
    db = InternalDB.mysql("check", config=dict(server.settings(db_name), db_type="mysql",
                                               ssl={"enabled": True, "ca": certs["ca"]}))
    try:
        return db._execute(sql).fetchall()
    finally:
        db.close()


def test_a_wrong_password_is_never_echoed(tmp_path, monkeypatch):
    """A refused login never shows the password, in the API or the tool's Error."""
    require_mysql()
    settings = {"db_type": "mysql", "db_host": "127.0.0.1", "db_user": "cc_no_such_user",
                "db_password": "pw-NEVER-SHOWN-42", "db_name": "x", "db_timeout": 3}
    path = write_settings(tmp_path / "s.json", settings)
    monkeypatch.setenv("CRYOCORE_CONFIG", path)
    with pytest.raises(DatabaseError) as e:
        API.get_config("X")
    assert "pw-NEVER-SHOWN-42" not in str(e.value) and "cannot reach" in str(e.value)
    proc = subprocess.run([sys.executable, "CryoCore/Tools/ConfigTool.py", "list"], cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=ROOT), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=60)
    assert proc.returncode == 1 and b"pw-NEVER-SHOWN-42" not in proc.stderr + proc.stdout
    assert proc.stderr.count(b"\n") == 1 and b"Access denied" in proc.stderr


# -- install.sh --------------------------------------------------------------------------
SHIM = """#!/bin/sh
printf '%%s\\0' "$0" "$@" >> "%(log)s"; printf '\\n' >> "%(log)s"
%(exec)s
"""


def _shim(bin_dir, name, log, body):
    path = os.path.join(bin_dir, name)
    with open(path, "w") as f:
        f.write(SHIM % {"log": log, "exec": body})
    os.chmod(path, 0o755)
    return path


def test_install_script_static_no_password_in_arguments():
    """Every password the script handles goes through stdin, a file or the environment."""
    with open(os.path.join(ROOT, "Install", "install.sh")) as f:
        script = f.read()
    assert not re.search(r"(-p\s*\"?\$|--password[= ])", script)
    for line in script.splitlines():
        if "$PASSWORD" in line and not line.strip().startswith("#"):
            # only in the SQL heredoc (stdin) or as an environment assignment
            assert ("IDENTIFIED BY" in line or line.strip().startswith("CC_PASSWORD=")
                    or line.strip().startswith("PASSWORD=")), line


def test_install_mysql_keeps_passwords_out_of_process_arguments(tmp_path, monkeypatch):
    """install.sh --mysql writes a 0600 ~/.cryoconfig; its password is in no process's argv."""
    server = PrivateMariaDB().start()
    try:
        conn = mysql_connect(server=server.server)
        conn.cursor().execute("FLUSH PRIVILEGES")  # real accounts, so CREATE USER works
        conn.close()
        home, bin_dir = tmp_path / "home", tmp_path / "bin"
        home.mkdir()
        bin_dir.mkdir()
        log = str(tmp_path / "argv.log")
        admin = str(tmp_path / "admin.cnf")
        with open(admin, "w") as f:
            f.write("[client]\nhost=127.0.0.1\nport=%d\nuser=root\n" % server.port)
        os.chmod(admin, 0o600)
        real_client = shutil.which("mariadb") or shutil.which("mysql")
        assert real_client, "no mariadb/mysql client on PATH"
        _shim(str(bin_dir), "mariadb", log, 'exec %s "$@"' % real_client)
        # pip is skipped (the checkout is already importable); everything else runs for real
        fake_py = _shim(str(bin_dir), "python", log,
                        'if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then exit 0; fi\n'
                        'exec %s "$@"' % sys.executable)
        env = dict(os.environ, HOME=str(home), PATH=str(bin_dir) + os.pathsep + os.environ["PATH"],
                   PYTHON=fake_py, PYTHONPATH=ROOT, CC_ADMIN_DEFAULTS=admin,
                   CC_DB_HOST="127.0.0.1", CC_DB_NAME="ccinstall")
        env.pop("VIRTUAL_ENV", None)
        seen, done = [], threading.Event()

        def sample():  # every process's command line while the script runs
            while not done.is_set():
                for pid in os.listdir("/proc"):
                    try:
                        with open("/proc/%s/cmdline" % pid, "rb") as f:
                            seen.append(f.read())
                    except (IOError, OSError):
                        continue
                done.wait(0.005)
        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            for _ in range(2):  # the second run keeps the password
                subprocess.check_call(["bash", os.path.join(ROOT, "Install", "install.sh"),
                                       "--mysql"], env=env, cwd=str(tmp_path),
                                      stdout=subprocess.DEVNULL, timeout=120)
        finally:
            done.set()
            sampler.join()
        conf = str(home / ".cryoconfig")
        assert stat.S_IMODE(os.stat(conf).st_mode) == 0o600
        with open(conf) as f:
            data = json.load(f)
        password = data["db_password"]
        assert len(password) >= 16 and data["db_user"] == "cc" and data["db_name"] == "ccinstall"
        with open(log, "rb") as f:
            recorded = f.read()
        assert recorded.count(b"mariadb\0") == 2, recorded  # the shims did see the runs
        assert password.encode() not in recorded
        assert seen and not any(password.encode() in cmd for cmd in seen)
        # the account works with what the script wrote (port: the private server's)
        monkeypatch.setenv("HOME", str(home))
        monkeypatch.delenv("CRYOCORE_CONFIG", raising=False)
        db = InternalDB.mysql("installed", config={"db_port": server.port})
        assert db.settings["db_password"] == password
        assert db._execute("SELECT CURRENT_USER()").fetchone()[0].startswith("cc@")
        db.close()
    finally:
        server.destroy()
