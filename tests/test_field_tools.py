"""Field-proofing (issue 11): the tools as a new user meets them (typos, empty databases)."""
from __future__ import absolute_import, division, print_function

import os
import sqlite3
import subprocess
import sys
import uuid

import pytest

from conftest import MYSQL_SERVER, ROOT, mysql_connect, require_mysql, write_settings

VIEWERS = ("TailLog", "TailStatus")


def tool(name, argv, env=None, stdin=b""):
    """Run CryoCore/Tools/<name>.py; returns (exit status, stdout, stderr) as text."""
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "CryoCore", "Tools", name + ".py")]
                            + list(argv), env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.communicate(stdin)
    return proc.returncode, out.decode("utf-8"), err.decode("utf-8")


def _env(tmp_path, settings):
    env = dict(os.environ)
    env["CRYOCORE_CONFIG"] = write_settings(tmp_path / "settings.json", settings)
    return env


def _tables(backend):
    """The table names in the backend's database, by plain SQL."""
    if backend.kind == "sqlite":
        if not os.path.exists(backend.settings["db_path"]):
            return set()
        conn = sqlite3.connect(backend.settings["db_path"])
        names = set(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE "
                                               "type = 'table' AND name NOT LIKE 'sqlite_%'"))
        conn.close()
        return names
    return set(r[0] for r in backend.sql(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
        (backend.settings["db_name"],)))


@pytest.mark.parametrize("name", VIEWERS)
def test_viewer_never_creates_a_mysql_database_from_a_typo(name, tmp_path):
    """`--db_name typo` is `Error: no such database ...` (exit 1) and creates nothing."""
    require_mysql()
    typo = "cctypo_%s" % uuid.uuid4().hex[:10]
    env = _env(tmp_path, dict(MYSQL_SERVER, db_type="mysql", db_name="cryocore"))
    status, out, err = tool(name, ["--db_name", typo], env=env)
    assert (status, out) == (1, "")
    assert err.startswith("Error: no such database ") and typo in err
    assert len(err.splitlines()) == 1
    conn = mysql_connect()
    cur = conn.cursor()
    cur.execute("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = %s", (typo,))
    assert cur.fetchone()[0] == 0
    conn.close()


@pytest.mark.smoke
@pytest.mark.parametrize("name", VIEWERS)
def test_viewer_never_creates_a_sqlite_file_or_directory(name, tmp_path):
    """A viewer given a missing --db_path errors and creates neither directory nor file."""
    missing = tmp_path / "nonexistent" / "dir" / "x.db"
    env = _env(tmp_path, {"db_type": "sqlite", "db_path": str(tmp_path / "other.db")})
    status, out, err = tool(name, ["--db_path", str(missing)], env=env)
    assert (status, out) == (1, "")
    assert err.startswith("Error: no such database ") and len(err.splitlines()) == 1
    assert not (tmp_path / "nonexistent").exists()
    assert not (tmp_path / "other.db").exists()


@pytest.mark.parametrize("argv", [["TailLog"], ["TailLog", "--list", "modules"],
                                  ["TailLog", "-n", "5", "--level", "ERROR"],
                                  ["TailStatus"], ["TailStatus", "--list-channels"],
                                  ["TailStatus", "--channel", "x"]])
def test_viewer_on_a_database_without_cryocore_tables_shows_nothing(backend, argv):
    """A database that exists without CryoCore's tables: no output, exit 0, no table made."""
    if backend.kind == "sqlite":
        conn = sqlite3.connect(backend.settings["db_path"])
        conn.execute("CREATE TABLE unrelated (x INTEGER)")
        conn.commit()
        conn.close()
    before = _tables(backend)
    status, out, err = tool(argv[0], argv[1:], env=backend.env())
    assert (status, out, err) == (0, "", "")
    assert _tables(backend) == before


@pytest.mark.parametrize("name,service", [("TailLog", "log"), ("TailStatus", "status")])
def test_viewer_never_migrates_an_existing_table(backend, name, service):
    """Tables in the original's layout stay as they are: a viewer adds no column or index."""
    from CryoCore.Core import InternalDB, _schema
    db = InternalDB.mysql("setup", config=backend.settings)
    db._init_sqls(_schema.statements(db.db_type, service))
    db.close()
    status, out, err = tool(name, [], env=backend.env())
    assert (status, err) == (0, "")
    db = InternalDB.mysql("check", config=backend.settings)
    for table in _schema.TABLES[service]:
        if table in _schema.SEQUENCED_TABLES:
            assert not _schema.has_sequence_columns(db, table)
    db.close()


# -- item 14: small things ------------------------------------------------------------
def _status_rows(backend, n):
    """n changes of one status value, stored through the API (a real producer)."""
    from CryoCore import API
    holder = API.get_status("Many")
    for i in range(n):
        holder["x"] = i
    API.shutdown()


@pytest.mark.parametrize("name", ["ConfigTool", "ConfigUI", "TailLog", "TailStatus"])
def test_unknown_flag_is_one_error_line(backend, name):
    """An unknown flag is one `Error:` line (no usage dump) and exit 1."""
    status, out, err = tool(name, ["--no-such-flag"], env=backend.env())
    assert (status, out) == (1, "")
    assert err.startswith("Error: unrecognized arguments: --no-such-flag") and \
        len(err.splitlines()) == 1, err


def test_tailstatus_all_rows_and_n_wording(backend):
    """TailStatus -a shows every row; -n -5 is refused with the same words by both viewers."""
    _status_rows(backend, 250)
    status, out, err = tool("TailStatus", ["-a", "--bw"], env=backend.env())
    assert (status, err) == (0, "")
    assert [l.split(" = ")[1] for l in out.splitlines()] == [str(i) for i in range(250)]
    errors = [tool(name, ["-n", "-5"], env=backend.env())[2] for name in VIEWERS]
    assert errors == ["Error: -n takes a number >= 0, not -5\n"] * 2


@pytest.mark.smoke
def test_configtool_versions_extra_words_and_trailing_space(backend):
    """`versions extra` is refused; `versions` rows carry no trailing space."""
    from CryoCore import API
    API.get_config(None, "flight")["p"] = 1
    API.shutdown()
    status, out, err = tool("ConfigTool", ["versions", "extra"], env=backend.env())
    assert (status, out) == (1, "") and err.startswith("Error: usage: ConfigTool.py versions")
    status, out, err = tool("ConfigTool", ["versions"], env=backend.env())
    assert status == 0 and len(out.splitlines()) == 2
    assert all(line == line.rstrip() for line in out.splitlines()), repr(out)


def test_configtool_v_completes_versions(backend, tmp_path):
    """`ConfigTool.py -v <TAB>` offers the versions (real argcomplete protocol)."""
    pytest.importorskip("argcomplete")
    from CryoCore import API
    API.get_config(None, "flight")["p"] = 1
    API.get_config(None, "field")["p"] = 1
    API.shutdown()
    line = "ConfigTool.py -v f"
    out = str(tmp_path / "completions")
    env = dict(backend.env(), _ARGCOMPLETE="1", COMP_LINE=line, COMP_POINT=str(len(line)),
               _ARGCOMPLETE_STDOUT_FILENAME=out, COMP_WORDBREAKS=" \t\n\"'><=;|&(:")
    subprocess.call([sys.executable, os.path.join(ROOT, "CryoCore", "Tools", "ConfigTool.py")],
                    env=env, cwd=str(tmp_path))
    with open(out) as f:
        assert sorted(w.strip() for w in f.read().split("\013") if w.strip()) == \
            ["field", "flight"]


def test_tailstatus_clear_all_prompt_ends_its_line_on_a_pipe(backend):
    """With the answer piped in, --clear-all leaves no half-finished prompt line on stderr."""
    _status_rows(backend, 3)
    status, out, err = tool("TailStatus", ["--clear-all"], env=backend.env(), stdin=b"y\n")
    assert status == 0 and out == "Deleted 3 status and 0 2-D status rows\n"
    assert err == ""  # the question is asked on a terminal only (issue 12); never half a line


@pytest.mark.smoke
def test_default_sqlite_database_and_directory_are_private(tmp_path):
    """~/.cryocore is created 0700 and cryocore.db 0600, as the spool and config copies."""
    env = dict(os.environ, HOME=str(tmp_path), PYTHONPATH=ROOT)
    env.pop("CRYOCORE_CONFIG", None)
    subprocess.check_call([sys.executable, "-c", "from CryoCore import API; "
                           "API.get_config('P')['x'] = 1; API.get_log('P').info('m'); "
                           "API.shutdown()"], env=env, cwd=str(tmp_path))
    home = tmp_path / ".cryocore"
    assert oct(os.stat(str(home)).st_mode & 0o777) == oct(0o700)
    assert oct(os.stat(str(home / "cryocore.db")).st_mode & 0o777) == oct(0o600)


@pytest.mark.parametrize("name,line", [("TailLog", "TailLog.py --logger "),
                                       ("TailStatus", "TailStatus.py --channel ")])
def test_viewer_completion_never_creates_the_database(name, line, tmp_path):
    """Tab completion of a viewer pointed at a missing SQLite file creates nothing."""
    pytest.importorskip("argcomplete")
    missing = tmp_path / "none" / "x.db"
    env = _env(tmp_path, {"db_type": "sqlite", "db_path": str(missing)})
    out = str(tmp_path / "completions")
    env.update(_ARGCOMPLETE="1", COMP_LINE=line, COMP_POINT=str(len(line)),
               _ARGCOMPLETE_STDOUT_FILENAME=out, COMP_WORDBREAKS=" \t\n\"'><=;|&(:")
    subprocess.call([sys.executable, os.path.join(ROOT, "CryoCore", "Tools", name + ".py")],
                    env=env, cwd=str(tmp_path))
    assert not (tmp_path / "none").exists()
