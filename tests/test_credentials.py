"""Credentials: exposed settings files warn, ssl settings map to the driver (issue 8)."""
from __future__ import absolute_import, division, print_function

import json
import os

import pytest

from CryoCore import API
from CryoCore.Core import InternalDB, _settings


@pytest.fixture
def settings_file(tmp_path, monkeypatch):
    """Write $CRYOCORE_CONFIG with a given mode; fresh warning state per test."""
    monkeypatch.setattr(_settings, "_warned", set())
    path = str(tmp_path / "settings.json")

    def write(data, mode):
        with open(path, "w") as f:
            json.dump(data, f)
        os.chmod(path, mode)
        monkeypatch.setenv("CRYOCORE_CONFIG", path)
        return path
    return write


def _warnings(capsys):
    return [line for line in capsys.readouterr().err.splitlines() if "readable by others" in line]


@pytest.mark.smoke
@pytest.mark.parametrize("data", [
    {"db_type": "sqlite", "db_password": "pw"},
    {"db_type": "sqlite", "override_status": {"db_password": "pw"}},
    {"db_type": "sqlite", "override_log": {"db_host": "h", "db_password": "pw"}},
])
def test_group_or_world_readable_password_file_warns_once(settings_file, capsys, data):
    """A readable settings file with a password warns once: chmod 600, no password."""
    path = settings_file(data, 0o644)
    API.get_config_db()
    API.get_config_db("status")
    warned = _warnings(capsys)
    assert len(warned) == 1 and path in warned[0] and "chmod 600" in warned[0]
    assert "pw" not in warned[0]


@pytest.mark.parametrize("mode", [0o640, 0o604])
def test_group_or_other_alone_is_enough_to_warn(settings_file, capsys, mode):
    """Group-readable or other-readable alone is enough to warn."""
    settings_file({"db_type": "sqlite", "db_password": "pw"}, mode)
    API.get_config_db()
    assert len(_warnings(capsys)) == 1


@pytest.mark.parametrize("data,mode", [
    ({"db_type": "sqlite", "db_password": "pw"}, 0o600),
    ({"db_type": "sqlite", "db_password": "pw"}, 0o400),
    ({"db_type": "sqlite", "db_password": ""}, 0o644),
    ({"db_type": "sqlite", "ssl": {"enabled": True, "key": "/k.pem"}}, 0o644),
])
def test_private_or_passwordless_files_do_not_warn(settings_file, capsys, data, mode):
    """A 0600/0400 file, or one without a password, does not warn."""
    settings_file(data, mode)
    API.get_config_db()
    assert _warnings(capsys) == []


def _args(settings):
    return InternalDB.mysql("t", config=dict({"db_type": "mysql"}, **settings))._mysql_args()


@pytest.mark.smoke
def test_ssl_settings_map_to_connector_arguments():
    """The ssl dict maps to the driver's ssl_* arguments; without enabled TLS is off."""
    args = _args({"ssl": {"enabled": True, "ca": "/ca.pem", "cert": "/c.pem", "key": "/k.pem"}})
    assert (args["ssl_ca"], args["ssl_cert"], args["ssl_key"]) == ("/ca.pem", "/c.pem", "/k.pem")
    assert args["ssl_verify_cert"] is True and "ssl_disabled" not in args
    assert _args({"ssl": {"enabled": True, "ca": "/ca.pem", "verify": False}})[
        "ssl_verify_cert"] is False
    assert _args({"ssl": {"enabled": True, "ca": "/ca.pem", "verify_identity": True}})[
        "ssl_verify_identity"] is True
    assert _args({"ssl": {"enabled": True}})["ssl_verify_cert"] is False  # nothing to verify with
    for off in (None, {}, {"enabled": False, "ca": "/ca.pem"}):
        args = _args({"ssl": off})
        assert args["ssl_disabled"] is True and "ssl_ca" not in args


def test_ssl_override_applies_to_its_service(settings_file):
    """ssl inside override_status applies to status only."""
    settings_file({"db_type": "mysql", "override_status": {"ssl": {"enabled": True,
                                                                   "ca": "/ca.pem"}}}, 0o600)
    status = InternalDB.mysql("s", service="status")._mysql_args()
    config = InternalDB.mysql("c", service="config")._mysql_args()
    assert status["ssl_ca"] == "/ca.pem" and config["ssl_disabled"] is True


def test_describe_never_shows_the_password():
    """describe() names the database without the password."""
    db = InternalDB.mysql("t", config={"db_type": "mysql", "db_password": "s3cret"})
    assert "s3cret" not in db.describe()


def test_password_flag_warns_once_without_the_password(capsys, monkeypatch, tmp_path):
    """--db_password warns once that others can see it, without echoing it."""
    from CryoCore.Tools import ConfigTool, _common
    monkeypatch.setattr(_common, "_warned_password_flag", [])
    db = str(tmp_path / "cc.db")
    for _ in range(2):
        assert _common.run(ConfigTool.main, ["--db_type", "sqlite", "--db_path", db,
                                             "--db_password", "s3cret-flag", "versions"]) == 0
    err = capsys.readouterr().err
    assert err.count("--db_password is visible to other users") == 1
    assert "s3cret-flag" not in err
