"""Config service in one process, on both backends (spec sections 1 and 3)."""
from __future__ import absolute_import, division, print_function

import json
import threading

import pytest

import CryoCore
from CryoCore import API
from CryoCore.Core import Config
from CryoCore.Core._exceptions import ConfigValueError


def rows(backend, sql, params=()):
    return [tuple(r) for r in backend.sql(sql, params)]


def stored(backend, name):
    """(value, datatype) of the row named `name` (unique in these tests)."""
    return rows(backend, "SELECT value, datatype FROM config WHERE name = %s", (name,))[0]


@pytest.mark.smoke
def test_seed_configuration_example(backend):
    """The seed's Configuration example runs as written (the loop runs once)."""
    cfg = CryoCore.get_config("Instruments.Camera")
    cfg.set_default("enabled", True)
    with pytest.raises(CryoCore.NoSuchParameterException) as e:
        cfg.require(["shutter_speed"])
    assert "Instruments.Camera.shutter_speed" in str(e.value)
    cfg["shutter_speed"] = 100
    cfg.require(["shutter_speed"])
    speeds = []

    class Cam(object):
        def set_shutter_speed(self, v):
            speeds.append(v)
    somecamobj = Cam()

    def onShutterSpeedChange(param):
        somecamobj.set_shutter_speed(param.get_value())
    cfg.add_callback("shutter_speed", onShutterSpeedChange)
    cfg["shutter_speed"] = 200
    assert speeds == [200]
    done = []
    while not CryoCore.API.api_stop_event.isSet() and not done:
        if cfg["enabled"]:
            done.append("enabled")
        else:
            done.append("disabled")
    assert done == ["enabled"]


@pytest.mark.smoke
def test_seed_api_example(backend):
    """The seed's API listing: get, [], keys, versions, copy, full path, set_value."""
    cfg = CryoCore.API.get_config("root", "default")
    cfg["Instruments.Camera.fps"] = 30
    configParameter = cfg.get("Instruments.Camera.fps")
    assert configParameter.get_value() == 30
    with pytest.raises(CryoCore.NoSuchParameterException):
        cfg.get("parameter")
    assert cfg["parameter"] is None
    assert cfg.keys() == ["Instruments"]
    versions = cfg.list_versions()
    assert [v[0] for v in versions] == ["default"]
    cfg.copy_configuration("default", "test", overwrite=False)
    assert API.get_config(None, "test")["Instruments.Camera.fps"] == 30
    fullname = configParameter.get_full_path()
    assert fullname == "Instruments.Camera.fps"
    configParameter.set_value(25, datatype=None, check=True, commit=True)
    assert cfg["Instruments.Camera.fps"] == 25
    assert API.get_config(None, "test")["Instruments.Camera.fps"] == 30


def test_get_config_identity_and_class(backend):
    """One NamedConfiguration per (name, version); "default" gives the same view."""
    a = API.get_config("X")
    assert type(a) is Config.NamedConfiguration
    assert a is API.get_config("X") is API.get_config("X", "default")
    assert a is not API.get_config("Y")
    assert CryoCore.get_config is API.get_config


def test_paths_relative_absolute_and_no_folders_on_read(backend):
    """Relative and root. paths; reads create no rows; folders read as None."""
    cfg = API.get_config("A.B")
    assert cfg["x"] is None and cfg.keys() == []
    assert rows(backend, "SELECT COUNT(*) FROM config") == [(0,)]  # reads create nothing
    cfg["x"] = 1
    root = API.get_config()
    assert root["A.B.x"] == 1 and root["root.A.B.x"] == 1
    assert cfg["root.A.B.x"] == 1
    assert root["A"] is None and root["A.B"] is None  # folders read as None
    assert root.get("A.B").datatype == "folder"
    assert cfg.get(None).get_full_path() == "A.B"
    assert root.get(None).get_full_path() == "root"
    assert [p.name for p in root.get(None).children] == ["A"]
    assert sorted(r[0] for r in rows(backend, "SELECT name FROM config")) == ["A", "B", "x"]
    assert root.keys("A") == ["B"]


@pytest.mark.smoke
def test_datatypes_and_stored_text(backend):
    """bool/int/float/other and the text the original reads back."""
    cfg = API.get_config("T")
    cfg["b"] = True
    cfg["f"] = False
    cfg["i"] = -12
    cfg["d"] = 0.1
    cfg["s"] = "hello"
    cfg["n"] = "123"
    assert stored(backend, "b") == ("True", "boolean")
    assert stored(backend, "f") == ("False", "boolean")
    assert stored(backend, "i") == ("-12", "integer")
    assert stored(backend, "d") == ("0.1", "double")
    assert stored(backend, "s") == ("hello", "string")
    assert stored(backend, "n") == ("123", "string")
    assert (cfg["b"], cfg["f"], cfg["i"], cfg["d"], cfg["s"], cfg["n"]) == (
        True, False, -12, 0.1, "hello", "123")


def test_reads_what_the_original_wrote(backend):
    """Rows with 'true'/'1' booleans and repr numbers read as typed values."""
    cfg = API.get_config()
    cfg["p.b1"] = False
    cfg["p.b2"] = False
    cfg["p.i"] = 1
    backend.sql("UPDATE config SET value = 'true' WHERE name = 'b1'")
    backend.sql("UPDATE config SET value = '1' WHERE name = 'b2'")
    API.reset()
    cfg = API.get_config("p")
    assert cfg["b1"] is True and cfg["b2"] is True and cfg["i"] == 1


def test_setitem_reguesses_type(backend):
    """cfg[x] = v re-guesses the type of an existing parameter, as the original."""
    cfg = API.get_config()
    cfg["x"] = 5
    cfg["x"] = "five"
    assert cfg.get("x").datatype == "string" and cfg["x"] == "five"


def test_set_default_never_changes(backend):
    """set_default never changes an existing value; an explicit datatype is kept."""
    cfg = API.get_config("M")
    cfg.set_default("v", 1)
    cfg.set_default("v", 2)
    cfg.set_default("t", "x", datatype="string")
    assert cfg["v"] == 1 and cfg.get("t").datatype == "string"


def test_add_set_remove(backend):
    """add refuses existing paths, set missing ones (unless create); remove recurses."""
    cfg = API.get_config("S")
    cfg.add("a.b", 1, comment="hello")
    assert cfg.get("a.b").comment == "hello"
    with pytest.raises(Config.ParameterExistsException) as e:
        cfg.add("a.b", 2)
    assert "S.a.b" in str(e.value) and cfg["a.b"] == 1
    with pytest.raises(CryoCore.NoSuchParameterException) as e:
        cfg.set("a.missing", 1)
    assert "S.a.missing" in str(e.value)
    cfg.set("a.missing", 3, create=True)
    assert cfg["a.missing"] == 3
    cfg.set("a.b", "7")  # text that fits the integer type
    assert cfg["a.b"] == 7
    cfg.set("a.b", "seven", check=False)
    assert cfg.get("a.b").datatype == "string"
    cfg.set("a.b", 1.5, datatype="double")
    assert cfg.get("a.b").datatype == "double"
    cfg.remove("a")
    assert cfg.keys() == [] and rows(backend, "SELECT COUNT(*) FROM config") == [(1,)]
    with pytest.raises(CryoCore.NoSuchParameterException):
        cfg.remove("a")


def test_search_and_last_updated(backend):
    """search matches names ignoring case in the whole version; last_updated moves."""
    cfg = API.get_config("Srch")
    assert cfg.last_updated() is None
    cfg["Camera.fps"] = 1
    cfg["Other.camera_id"] = 2
    found = [p.get_full_path() for p in API.get_config("Other").search("cam")]
    assert found == ["Srch.Camera", "Srch.Other.camera_id"]
    assert cfg.last_updated() > 0


@pytest.mark.parametrize("datatype,bad", [
    ("boolean", ["maybe", "2", 2, 1.0, "yess"]),
    ("integer", ["1.5", "abc", 1.5, True, ""]),
    ("double", ["abc", True, "1,5", ""]),
])
def test_wrong_type_per_datatype_is_refused(backend, datatype, bad):
    """A value that does not fit raises ConfigValueError naming it; nothing is stored."""
    cfg = API.get_config("W")
    initial = {"boolean": True, "integer": 3, "double": 2.5}[datatype]
    cfg["p"] = initial
    before = rows(backend, "SELECT value, datatype, last_modified FROM config WHERE name='p'")
    for value in bad:
        with pytest.raises(ConfigValueError) as e:
            cfg.set("p", value)
        assert isinstance(e.value, ValueError) and isinstance(e.value, CryoCore.ConfigException)
        assert "W.p" in str(e.value) and datatype in str(e.value) and repr(value) in str(e.value)
        with pytest.raises(ConfigValueError):
            cfg.get("p").set_value(value)
    assert rows(backend, "SELECT value, datatype, last_modified FROM config WHERE name='p'") == before
    assert cfg["p"] == initial


def test_what_each_type_accepts(backend):
    """Each datatype takes its documented text forms (yes/OFF/0, ints as doubles)."""
    cfg = API.get_config("OK")
    cfg["b"], cfg["i"], cfg["d"], cfg["s"] = False, 1, 1.0, "x"
    for text, expected in (("yes", True), ("OFF", False), ("On", True), ("0", False),
                           ("TRUE", True), (1, True)):
        cfg.set("b", text)
        assert cfg["b"] is expected
    cfg.set("i", "-42")
    assert cfg["i"] == -42
    cfg.set("d", 3)
    assert cfg["d"] == 3.0 and stored(backend, "d") == ("3.0", "double")
    cfg.set("d", "1e-3")
    assert cfg["d"] == 0.001
    cfg.set("s", "123")
    assert cfg["s"] == "123" and cfg.get("s").datatype == "string"


@pytest.mark.parametrize("name", ["", "a..b", "x" * 129, "tab\there", "nl\nx", "a."])
def test_illegal_names_refused(backend, name):
    """Empty, dotted, overlong or control-character names: ConfigValueError, no row."""
    cfg = API.get_config()
    with pytest.raises(ConfigValueError) as e:
        cfg.add(name, 1)
    assert "name" in str(e.value)
    assert rows(backend, "SELECT COUNT(*) FROM config") == [(0,)]


def test_longest_name_and_value_fit(backend):
    """A 128-character name with a 256-character value (the column sizes) is stored."""
    cfg = API.get_config()
    cfg.add("n" * 128, "v" * 256)
    assert cfg["n" * 128] == "v" * 256


def test_value_too_long_refused(backend):
    """A value over 256 characters is refused, naming parameter and length."""
    cfg = API.get_config()
    cfg["s"] = "short"
    with pytest.raises(ConfigValueError) as e:
        cfg.set("s", "x" * 257)
    assert str(e.value).startswith("value for s is 257 characters long (the column holds 256)")
    with pytest.raises(ConfigValueError) as e:
        cfg["t"] = "y" * 300
    assert str(e.value).startswith("value for t is 300 characters long")
    assert cfg["s"] == "short" and cfg["t"] is None
    assert rows(backend, "SELECT value FROM config WHERE name='s'") == [("short",)]


@pytest.mark.smoke
def test_callbacks_same_process(backend):
    """Fire at once with the new value; comments fire; no-op writes do not; del works."""
    cfg = API.get_config("CB")
    cfg["speed"] = 1
    seen = []
    cid = cfg.add_callback("speed", lambda p, tag: seen.append((tag, p.get_value(), p.comment)),
                           "t")
    cfg["speed"] = 2
    cfg.set("speed", 2)           # changed nothing
    cfg["speed"] = 2
    cfg.get("speed").set_comment("fast")
    assert seen == [("t", 2, None), ("t", 2, "fast")]
    cfg.del_callback(cid)
    cfg["speed"] = 3
    assert len(seen) == 2


def test_callback_on_folder_and_list(backend):
    """A folder's callback fires for parameters under it; a list watches each name."""
    cfg = API.get_config()
    got = []
    cfg.add_callback(["A", "B.x"], lambda p: got.append(p.get_full_path()))
    cfg["A.one"] = 1
    cfg["B.x"] = 2
    cfg["B.y"] = 3
    assert got == ["A.one", "B.x"]


def test_callback_errors_do_not_break_writes(backend, capsys):
    """A callback that raises is reported on stderr; its write still happens."""
    cfg = API.get_config()
    cfg["x"] = 1

    def boom(p):
        raise RuntimeError("boom")
    cfg.add_callback("x", boom)
    cfg["x"] = 2
    assert cfg["x"] == 2 and "boom" in capsys.readouterr().err


def test_versions(backend):
    """add_version, list_versions, set_version and unknown versions act as the original's."""
    cfg = API.get_config()
    cfg["a"] = 1
    cfg.add_version("v1", comment="first")
    with pytest.raises(CryoCore.VersionAlreadyExistsException):
        cfg.add_version("v1")
    names = [v[0] for v in cfg.list_versions()]
    assert names == ["default", "v1"]
    assert dict((v[0], v[1]) for v in cfg.list_versions())["v1"] == "first"
    with pytest.raises(CryoCore.NoSuchVersionException):
        cfg.set_version("nope")
    other = API.get_config(None, "v2")  # unknown versions are created
    assert "v2" in [v[0] for v in cfg.list_versions()]
    other["a"] = 2
    assert cfg["a"] == 1
    cfg.set_version("v2")
    assert cfg["a"] == 2
    cfg.delete_version("v2")
    assert "v2" not in [v[0] for v in cfg.list_versions()]
    assert rows(backend, "SELECT COUNT(*) FROM config WHERE name='a'") == [(1,)]
    with pytest.raises(CryoCore.ConfigException):
        cfg.delete_version("default")


def test_default_version_parameter(backend):
    """default_version (in version default) decides which version "default" means."""
    root = API.get_config(None, "default")
    root["default_version"] = "field"
    API.reset()
    field = API.get_config("Cam")
    assert field.get_version() == "field"
    field["fps"] = 10
    assert API.get_config("Cam", "field")["fps"] == 10
    assert API.get_config("Cam", "default").get_version() == "field"


def test_copy_configuration_is_deep(backend):
    """copy_configuration copies the tree with new ids; the copy changes on its own."""
    cfg = API.get_config()
    cfg["A.B.c"] = 1
    cfg["A.d"] = "x"
    cfg.get("A.B").set_comment("folder comment")
    cfg.copy_configuration("default", "copy")
    copy = API.get_config(None, "copy")
    assert copy["A.B.c"] == 1 and copy.get("A.B").comment == "folder comment"
    ids = rows(backend, "SELECT c.id FROM config c JOIN config_version v ON c.version = v.id "
                        "WHERE v.name = 'copy'")
    parents = rows(backend, "SELECT c.parent FROM config c JOIN config_version v "
                            "ON c.version = v.id WHERE v.name = 'copy'")
    assert set(p for (p,) in parents) <= set(i for (i,) in ids) | {0}
    copy["A.B.c"] = 2
    assert cfg["A.B.c"] == 1
    with pytest.raises(CryoCore.IntegrityException):
        cfg.copy_configuration("default", "copy")
    cfg.copy_configuration("default", "copy", overwrite=True)
    assert copy["A.B.c"] == 1
    with pytest.raises(CryoCore.NoSuchVersionException):
        cfg.copy_configuration("missing", "x")


def test_serialize_format_and_deserialize_like_seed(backend):
    """serialize gives the seed's JSON nodes; deserialize adds the top node under root."""
    cfg = API.get_config()
    cfg["System.SystemControl.default_user"] = "alice"
    cfg["System.SystemControl.retries"] = 3
    cfg.get("System.SystemControl.retries").set_comment("how many")
    data = json.loads(cfg.serialize("System.SystemControl"))
    assert set(data) == {"System.SystemControl", "version"}
    assert data["version"]["name"] == "default"
    node = data["System.SystemControl"]
    assert set(node) == {"name", "value", "datatype", "comment", "last_modified", "children"}
    assert node["name"] == "SystemControl" and node["datatype"] == "folder"
    kids = dict((c["name"], c) for c in node["children"])
    assert kids["retries"]["value"] == 3 and kids["retries"]["comment"] == "how many"
    cfg.deserialize(cfg.serialize("System.SystemControl"), "SomeRoot")
    assert cfg["SomeRoot.SystemControl.default_user"] == "alice"
    assert cfg.get("SomeRoot.SystemControl.retries").comment == "how many"
    assert cfg.get("SomeRoot.SystemControl.retries").datatype == "integer"


def test_deserialize_conflict_and_overwrite(backend):
    """deserialize refuses a differing value, naming it, unless overwrite=True."""
    cfg = API.get_config()
    cfg["A.x"] = 1
    text = cfg.serialize("A")
    cfg["A.x"] = 2
    cfg["A.y"] = 5
    with pytest.raises(Config.ParameterExistsException) as e:
        cfg.deserialize(text)
    assert "A.x" in str(e.value) and cfg["A.x"] == 2
    cfg.deserialize(text, overwrite=True)
    assert cfg["A.x"] == 1 and cfg["A.y"] == 5


def test_serialize_whole_version_round_trip(backend):
    """A serialized version deserialized into another keeps values and types."""
    cfg = API.get_config()
    cfg["A.x"] = 1
    cfg["B"] = True
    text = cfg.serialize()
    other = API.get_config(None, "other")
    other.deserialize(text)
    assert other["A.x"] == 1 and other["B"] is True


@pytest.mark.parametrize("text,why", [
    ("{not json", "malformed JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"version": {}}', "no parameter tree"),
    ('{"A": {"value": 1}}', "name"),
    ('{"A": {"name": "A", "datatype": "wobble"}}', "wobble"),
    ('{"A": {"name": "A", "datatype": "folder", "children": [{"name": "a.b", "value": 1,'
     ' "datatype": "integer"}]}}', "dot"),
    ('{"A": {"name": "A", "datatype": "folder", "children": [{"name": "ok", "value": 1,'
     ' "datatype": "integer"}, {"name": "bad", "value": "x", "datatype": "integer"}]}}',
     "A.bad"),
    ('{"A": {"name": "A", "children": 5}}', "children"),
])
def test_malformed_json_changes_nothing(backend, text, why):
    """Malformed serialized JSON is refused (ConfigValueError); no row changes."""
    assert_refused_unchanged(backend, lambda cfg: cfg.deserialize(text), why)


def assert_refused_unchanged(backend, load, why):
    """`load(cfg)` raises a ConfigException naming `why`, and the stored tree is unchanged."""
    cfg = API.get_config()
    cfg["keep"] = 1
    before = rows(backend, "SELECT id, name, value FROM config ORDER BY id")
    with pytest.raises(CryoCore.ConfigException) as e:
        load(cfg)
    assert why in str(e.value)
    assert rows(backend, "SELECT id, name, value FROM config ORDER BY id") == before


def test_xml_import(backend):
    """XML import makes one parameter per leaf element, typed from its text."""
    cfg = API.get_config()
    n = cfg.import_xml("<configuration><Camera><fps>30</fps><name>cam 1</name>"
                       "<exposure>0.5</exposure><on>true</on></Camera><empty/></configuration>")
    assert n == 5 and cfg["empty"] == ""  # an empty element holds empty text (issue 11)
    assert cfg["Camera.fps"] == 30 and cfg["Camera.name"] == "cam 1"
    assert cfg["Camera.exposure"] == 0.5 and cfg["Camera.on"] is True
    assert cfg.get("Camera.fps").datatype == "integer"


@pytest.mark.parametrize("xml,why", [
    ("<configuration><a>1</configuration>", "malformed XML"),
    ("<config><a>1</a></config>", "<configuration>"),
    ("<configuration></configuration>", "no parameters"),
    ("<configuration><a>1</a><b>" + "x" * 300 + "</b></configuration>", "300"),
])
def test_malformed_xml_changes_nothing(backend, xml, why):
    """Malformed XML, DOCTYPE or entities are refused (ConfigValueError); no row changes."""
    assert_refused_unchanged(backend, lambda cfg: cfg.import_xml(xml), why)


def test_threads_share_and_write(backend):
    """Four threads writing through one view lose no write and raise nothing."""
    cfg = API.get_config("Thr")
    errors = []

    def work(k):
        try:
            for i in range(10):
                API.get_config("Thr")["t%d.v" % k] = i
        except Exception as e:
            errors.append(e)
    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(cfg.keys()) == ["t0", "t1", "t2", "t3"]
    assert all(cfg["t%d.v" % k] == 9 for k in range(4))


def test_shutdown_keeps_cache_readable(backend):
    """After shutdown() a view still reads its cached values; shutdown twice is fine."""
    cfg = API.get_config()
    cfg["x"] = 1
    API.shutdown()
    assert cfg["x"] == 1
    API.shutdown()


def test_reads_never_touch_the_database(backend):
    """Reads are served from the cache: no statement runs in the reading thread."""
    from CryoCore.Core import InternalDB
    cfg = API.get_config("R")
    cfg["a.b"] = 1
    me = threading.current_thread()
    statements = []
    old = InternalDB.tracer
    InternalDB.tracer = lambda sql, params: statements.append(threading.current_thread())
    try:
        for _ in range(200):
            assert cfg["a.b"] == 1 and cfg["missing"] is None
            assert cfg.get("a.b").value == 1 and cfg.keys() == ["a"]
            assert [p.name for p in cfg.search("b")] == ["b"]
    finally:
        InternalDB.tracer = old
    assert me not in statements


def test_db_cfg_wins(backend, tmp_path):
    """get_config(db_cfg=...) uses that database, not the settings files'."""
    other = {"db_type": "sqlite", "db_path": str(tmp_path / "other.db")}
    API.get_config("Z", db_cfg=other)["x"] = "other"
    assert API.get_config("Z")["x"] is None
    assert API.get_config("Z", db_cfg=other)["x"] == "other"
    assert rows(backend, "SELECT COUNT(*) FROM config") == [(0,)]


def test_writes_to_a_deleted_version_fail(backend):
    """A view of a deleted version reads None; its writes raise NoSuchVersionException."""
    view = API.get_config(None, "gone")
    view["x"] = 1
    API.get_config().delete_version("gone")
    assert view["x"] is None
    with pytest.raises(CryoCore.NoSuchVersionException):
        view["x"] = 2
    again = API.get_config(None, "gone")  # get_config creates it anew
    again["x"] = 3
    assert again["x"] == 3 and "gone" in [v[0] for v in again.list_versions()]


def test_a_name_the_database_takes_for_another_is_refused(backend, capsys):
    """On MariaDB 'Fps' next to 'fps' is refused ('clashes with existing'), API and tool alike."""
    from CryoCore.Tools import ConfigTool, _common
    cfg = API.get_config("Clash")
    cfg["fps"] = 20
    if backend.kind == "sqlite":  # SQLite tells them apart: both are kept
        cfg["Fps"] = 30
        assert sorted(rows(backend, "SELECT name, value FROM config WHERE name IN "
                                    "('fps', 'Fps')")) == [("Fps", "30"), ("fps", "20")]
        return
    for name in ("Fps", "fps ", "FPS.sub"):
        with pytest.raises(ConfigValueError) as e:
            cfg[name] = 30
        assert "clashes with existing 'fps'" in str(e.value), str(e.value)
    assert _common.run(ConfigTool.main, ["add", "Clash.Fps", "30"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: parameter name 'Fps' clashes with existing 'fps'") and \
        err.count("\n") == 1, err
    from conftest import mysql_connect  # the rows as a plain driver sees them: the first only
    conn = mysql_connect(backend.settings["db_name"])
    try:
        cur = conn.cursor()
        cur.execute("SELECT c.name, c.value FROM config c JOIN config p ON c.parent = p.id "
                    "WHERE p.name = 'Clash'")
        assert cur.fetchall() == [("fps", "20")]
    finally:
        conn.close()
