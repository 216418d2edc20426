"""Settings: merge order, overrides per service, backend choice, bad files (spec 2)."""
from __future__ import absolute_import, division, print_function

import json
import os

import pytest

from CryoCore import API
from CryoCore.Core import _settings
from CryoCore.Core._exceptions import SettingsError


@pytest.fixture
def files(tmp_path, monkeypatch):
    """Write ~/.cryoconfig, ./.config and $CRYOCORE_CONFIG in a private home and cwd."""
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(str(cwd))
    monkeypatch.delenv("CRYOCORE_CONFIG", raising=False)

    def write(which, data):
        path = {"home": home / ".cryoconfig", "cwd": cwd / ".config",
                "env": tmp_path / "env.json"}[which]
        with open(str(path), "w") as f:
            f.write(json.dumps(data) if isinstance(data, dict) else data)
        os.chmod(str(path), 0o600)
        if which == "env":
            monkeypatch.setenv("CRYOCORE_CONFIG", str(path))
        return str(path)
    write.home = str(home)
    write.cwd = str(cwd)
    return write


@pytest.mark.smoke
def test_defaults_give_the_embedded_sqlite_database(files):
    """Without settings files the defaults name the embedded SQLite database."""
    s = API.get_config_db()
    assert s["db_type"] == "sqlite"
    assert s["db_path"] == os.path.join(files.home, ".cryocore", "cryocore.db")
    assert s["db_name"] == "cryocore" and s["db_user"] == "cc" and s["db_password"] == ""


def test_later_files_win_key_by_key(files):
    """~/.cryoconfig, ./.config and $CRYOCORE_CONFIG merge key by key, later wins."""
    files("home", {"db_name": "a", "db_user": "u1"})
    files("cwd", {"db_name": "b"})
    s = API.get_config_db()
    assert (s["db_name"], s["db_user"]) == ("b", "u1")
    files("env", {"db_name": "c"})
    assert API.get_config_db()["db_name"] == "c"


def test_naming_db_host_user_or_name_in_a_file_means_mysql(files):
    """A file naming db_host, db_user or db_name means MySQL unless db_type says."""
    for key in ("db_host", "db_user", "db_name"):
        files("home", {key: "x"})
        assert API.get_config_db()["db_type"] == "mysql", key
    files("home", {"db_host": "x", "db_type": "sqlite"})
    assert API.get_config_db()["db_type"] == "sqlite"


def test_override_applies_to_its_service_only(files):
    """override_<service> merges key by key and applies to that service only."""
    files("home", {"db_type": "sqlite", "override_status": {"db_type": "mysql",
                                                            "db_host": "remote"}})
    files("cwd", {"override_status": {"db_name": "st"}})
    assert API.get_config_db("status")["db_host"] == "remote"
    assert API.get_config_db("status")["db_name"] == "st"  # merged key by key
    assert API.get_config_db("status")["db_type"] == "mysql"
    assert API.get_config_db("config")["db_type"] == "sqlite"
    assert API.get_config_db("log")["db_host"] == "localhost"


def test_override_naming_db_host_makes_that_service_mysql(files):
    """An override naming db_host makes only that service MySQL."""
    files("home", {"override_log": {"db_host": "loghost"}})
    assert API.get_config_db("log")["db_type"] == "mysql"
    assert API.get_config_db("config")["db_type"] == "sqlite"


def test_set_config_db_wins_over_files_and_overrides(files):
    """set_config_db wins over settings files and overrides."""
    files("home", {"db_name": "file", "override_config": {"db_name": "ovr"}})
    API.set_config_db({"db_name": "explicit"})
    assert API.get_config_db("config")["db_name"] == "explicit"
    assert API.get_config_db()["db_name"] == "explicit"


def test_tool_flags_win_over_everything(files):
    """Tool flags win over files and set_config_db; unset flags change nothing."""
    files("home", {"db_name": "file"})
    API.set_config_db({"db_name": "explicit"})
    assert _settings.get_settings("log", {"db_name": "flag", "db_user": None})["db_name"] == "flag"


def test_unknown_keys_to_set_config_db_raise(files):
    """set_config_db refuses unknown keys (naming them) and non-dicts."""
    with pytest.raises(ValueError) as info:
        API.set_config_db({"db_hots": "typo"})
    assert "db_hots" in str(info.value)
    with pytest.raises(ValueError):
        API.set_config_db("not a dict")


def test_invalid_json_is_a_one_line_error_naming_the_file(files):
    """A settings file that is not JSON is a one-line SettingsError naming it."""
    path = files("cwd", u"{not json")
    with pytest.raises(SettingsError) as info:
        API.get_config_db()
    message = str(info.value)
    assert path in message and "\n" not in message


def test_missing_cryocore_config_file_is_an_error(files, monkeypatch, tmp_path):
    """A missing $CRYOCORE_CONFIG file is a SettingsError naming it."""
    monkeypatch.setenv("CRYOCORE_CONFIG", str(tmp_path / "nope.json"))
    with pytest.raises(SettingsError) as info:
        API.get_config_db()
    assert "nope.json" in str(info.value)


def test_config_directory_in_cwd_is_skipped(files):
    """A ./.config directory is skipped, not an error."""
    os.mkdir(os.path.join(files.cwd, ".config"))
    assert API.get_config_db()["db_type"] == "sqlite"


def test_bad_db_type_is_refused(files):
    """An unknown db_type is a SettingsError naming it."""
    files("home", {"db_type": "postgres"})
    with pytest.raises(SettingsError) as info:
        API.get_config_db()
    assert "postgres" in str(info.value)


def test_password_file_readable_by_others_warns(files, capsys):
    """A password file readable by others warns, naming the file, not the password."""
    path = files("home", {"db_password": "secret"})
    os.chmod(path, 0o644)
    _settings._warned.discard(path)
    API.get_config_db()
    err = capsys.readouterr().err
    assert "readable by others" in err and path in err and "secret" not in err


@pytest.mark.smoke
def test_spools_and_config_copies_name_a_database_alike():
    """Spools and config copies share one fingerprint: port default = 3306, no password."""
    from CryoCore.Core import _config_lkg, _settings, _spool
    base = {"db_type": "mysql", "db_host": "h", "db_user": "u", "db_name": "cc"}
    same = dict(base, db_port=3306, db_password="secret")
    assert _spool.fingerprint(base) == _config_lkg.fingerprint(same) == _settings.fingerprint(base)
    assert _settings.fingerprint(dict(base, db_port=3307)) != _settings.fingerprint(base)
    assert _settings.fingerprint(dict(base, db_name="other")) != _settings.fingerprint(base)
    assert "secret" not in _config_lkg.directory(dict(same, config_lkg_dir="/x"))
