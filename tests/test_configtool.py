# -*- coding: utf-8 -*-
"""ConfigTool (spec section 6): commands, quick-hand, lookup, versions, files, completion."""
from __future__ import absolute_import, division, print_function

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from CryoCore import API
from CryoCore.Tools import ConfigTool, _common

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = os.path.join("CryoCore", "Tools", "ConfigTool.py")


def run(capsys, *argv):
    """(exit status, stdout, stderr) of ConfigTool run in-process through the error edge."""
    code = _common.run(ConfigTool.main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def tool(backend, *argv, **kwargs):
    """ConfigTool as a real subprocess: (exit status, stdout, stderr)."""
    if sys.version_info[0] == 2:
        argv = [a.encode("utf-8") for a in argv]
    p = subprocess.Popen([sys.executable, TOOL] + list(argv), cwd=ROOT, env=backend.env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.PIPE)
    out, err = p.communicate(kwargs.get("input"))
    return p.returncode, out.decode("utf-8"), err.decode("utf-8")


def now(name=None, version="default"):
    """A fresh view: each in-process tool run ends with API.shutdown(), which stops the
    poller of the views it used."""
    return API.get_config(name, version)


def rows(backend):
    return [tuple(r) for r in backend.sql("SELECT id, name, value, datatype FROM config "
                                          "ORDER BY id")]


@pytest.mark.smoke
def test_demo_add_set_list(backend, capsys):
    """The README demo: set configuration, show it with list."""
    assert run(capsys, "add", "Instruments.Camera.fps", "30")[0] == 0
    assert run(capsys, "add", "Instruments.Camera.enabled", "true")[0] == 0
    assert run(capsys, "Instruments.Camera.fps=25")[0] == 0
    code, out, err = run(capsys, "list")
    assert code == 0, err
    assert out.splitlines() == ["Instruments.Camera.enabled = True",
                                "Instruments.Camera.fps = 25"]
    assert API.get_config("Instruments.Camera")["fps"] == 25


def test_get_prints_fields(backend, capsys):
    """get prints value, datatype, version, last_modified, comment; a missing one is an Error."""
    cfg = API.get_config()
    cfg["A.speed"] = 1.5
    cfg.get("A.speed").set_comment("m/s")
    code, out, _ = run(capsys, "get", "A.speed")
    lines = out.splitlines()
    assert code == 0 and lines[:3] == ["value: 1.5", "datatype: double", "version: default"]
    assert lines[3].startswith("last_modified: ") and str(time.localtime().tm_year) in lines[3]
    assert lines[4] == "comment: m/s"
    code, _, err = run(capsys, "get", "A.nope")
    assert code == 1 and err == "Error: no such parameter A.nope (version default)\n"


def test_set_changes_type_and_needs_existing(backend, capsys):
    """set may change the type but needs the parameter; add refuses existing; remove."""
    API.get_config()["p"] = 1
    assert run(capsys, "set", "p", "hello")[0] == 0
    assert API.get_config().get("p").datatype == "string"
    code, _, err = run(capsys, "set", "missing", "1")
    assert code == 1 and "no such parameter missing" in err
    code, _, err = run(capsys, "add", "p", "2")
    assert code == 1 and err == "Error: parameter p already exists\n"
    assert run(capsys, "add", "Folder")[0] == 0
    assert API.get_config().get("Folder").datatype == "folder"
    assert run(capsys, "remove", "p")[0] == 0 and API.get_config()["p"] is None
    code, _, err = run(capsys, "remove", "p")
    assert code == 1 and "no such parameter p" in err


def test_quick_hand_checks_type(backend, capsys):
    """P=V type-checks (nothing stored on a mismatch); V may hold "="; P must exist."""
    cfg = API.get_config()
    cfg["n"] = 1
    cfg["s"] = "x"
    cfg["b"] = False
    before = rows(backend)
    code, _, err = run(capsys, "n=True")
    assert code == 1 and err.startswith("Error: value 'True' does not fit parameter n of type "
                                        "integer")
    assert rows(backend) == before
    assert run(capsys, "s=a=b")[0] == 0 and now()["s"] == "a=b"  # V may hold "="
    assert run(capsys, "b=yes")[0] == 0 and now()["b"] is True
    assert run(capsys, "n=-3")[0] == 0 and now()["n"] == -3
    code, _, err = run(capsys, "nothere=1")
    assert code == 1 and "no such parameter nothere" in err


def test_neg_flag(backend, capsys):
    """--neg makes set, add and quick-hand values negative; a non-number is an Error."""
    cfg = API.get_config()
    cfg["n"] = 1
    cfg["d"] = 1.0
    assert run(capsys, "set", "n", "5", "--neg")[0] == 0 and now()["n"] == -5
    assert run(capsys, "--neg", "d=2.5")[0] == 0 and now()["d"] == -2.5
    assert run(capsys, "add", "m", "7", "--neg")[0] == 0 and now()["m"] == -7
    code, _, err = run(capsys, "set", "n", "abc", "--neg")
    assert code == 1 and "--neg needs a numeric value" in err


def test_bare_word_lookup_and_search(backend, capsys):
    """A bare word lists that parameter's subtree, else every name containing it."""
    cfg = API.get_config()
    cfg["Cam.fps"] = 30
    cfg["Cam.Lens.zoom"] = 2
    cfg["Other.cam_id"] = "c1"
    code, out, _ = run(capsys, "Cam")
    assert out.splitlines() == ["Cam.Lens.zoom = 2", "Cam.fps = 30"]
    code, out, _ = run(capsys, "zoo")
    assert out.splitlines() == ["Cam.Lens.zoom = 2"]
    code, out, _ = run(capsys, "cam")  # a matching folder lists what is under it (issue 11)
    assert out.splitlines() == ["Cam.Lens.zoom = 2", "Cam.fps = 30", "Other.cam_id = c1"]
    code, out, err = run(capsys, "nomatch")
    assert code == 1 and err == "Error: no parameter matches 'nomatch'\n"


def test_versions_and_unknown_version(backend, capsys):
    """Unknown -v fails without --create; versions lists them; delete version removes one."""
    API.get_config()["p"] = 1
    code, _, err = run(capsys, "-v", "test", "list")
    assert code == 1 and err == "Error: no such version 'test' (use --create to create it)\n"
    assert "test" not in [v[0] for v in API.get_config().list_versions()]
    assert run(capsys, "-v", "test", "--create", "add", "p", "2")[0] == 0
    code, out, _ = run(capsys, "list", "-v", "test")
    assert out.splitlines() == ["p = 2"]
    code, out, _ = run(capsys, "versions")
    names = [line.split()[0] for line in out.splitlines()]
    assert names == ["default", "test"]
    assert run(capsys, "delete", "version", "-v", "test")[0] == 0
    assert [v[0] for v in API.get_config().list_versions()] == ["default"]
    code, _, err = run(capsys, "delete", "version", "-v", "test")
    assert code == 1 and "no such version 'test'" in err


def test_unknown_version_asks_on_a_terminal(backend, capsys, monkeypatch):
    """On a terminal an unknown version is created only if the user answers yes."""
    monkeypatch.setattr(ConfigTool, "_is_terminal", lambda: True)
    answers = []
    monkeypatch.setattr(ConfigTool, "_ask", lambda q: answers.append(q) or False)
    assert run(capsys, "-v", "t1", "list")[0] == 1
    monkeypatch.setattr(ConfigTool, "_ask", lambda q: answers.append(q) or True)
    assert run(capsys, "-v", "t1", "add", "x", "1")[0] == 0
    assert answers == ["Version 't1' does not exist. Create it? [y/N] "] * 2
    assert API.get_config(None, "t1")["x"] == 1


def test_seed_serialize_deserialize_example(backend, tmp_path):
    """The seed's two shell lines, run as written from the checkout."""
    cfg = API.get_config()
    cfg["System.SystemControl.default_user"] = "alice"
    cfg["System.SystemControl.Limits.max"] = 3.5
    env = backend.env()
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    json_file = str(tmp_path / "somefile.json")
    arrived = threading.Event()
    cfg.add_callback("SomeRoot.SystemControl.Limits.max", lambda p: arrived.set())
    script = ("./CryoCore/Tools/ConfigTool.py serialize System.SystemControl > %s && "
              "./CryoCore/Tools/ConfigTool.py deserialize SomeRoot %s" % (json_file, json_file))
    subprocess.check_call(script, shell=True, cwd=ROOT, env=env)
    data = json.load(open(json_file))
    assert data["System.SystemControl"]["name"] == "SystemControl"
    assert arrived.wait(3.0)
    assert cfg["SomeRoot.SystemControl.default_user"] == "alice"
    assert cfg["SomeRoot.SystemControl.Limits.max"] == 3.5


def test_deserialize_stdin_overwrite_and_malformed(backend, capsys, monkeypatch, tmp_path):
    """deserialize from a file or stdin: refuses conflicts without --overwrite and bad JSON."""
    cfg = API.get_config()
    cfg["A.x"] = 1
    code, text, _ = run(capsys, "serialize", "A")
    assert code == 0 and json.loads(text)["A"]["name"] == "A"
    cfg["A.x"] = 2
    path = tmp_path / "a.json"
    path.write_text(text)
    code, _, err = run(capsys, "deserialize", str(path))
    assert code == 1 and "A.x already exists" in err and now()["A.x"] == 2
    assert run(capsys, "deserialize", str(path), "--overwrite")[0] == 0 and now()["A.x"] == 1
    before = rows(backend)
    code, _, err = tool(backend, "deserialize", "R", "-", input=b'{"A": {"name": ')
    assert code == 1 and err.startswith("Error: malformed JSON") and len(err.splitlines()) == 1
    assert rows(backend) == before
    code, _, err = run(capsys, "deserialize", "R", str(tmp_path / "missing.json"))
    assert code == 1 and "cannot read" in err


def test_import_xml(backend, capsys, tmp_path):
    """import FILE.xml adds typed parameters; malformed XML is one Error and stores nothing."""
    path = tmp_path / "c.xml"
    path.write_text(u"<configuration><Camera><fps>30</fps><mode>auto</mode></Camera>"
                    u"</configuration>")
    code, _, err = run(capsys, "import", str(path))
    assert code == 0 and "Imported 2" in err
    cfg = API.get_config()
    assert cfg["Camera.fps"] == 30 and cfg.get("Camera.fps").datatype == "integer"
    before = rows(backend)
    path.write_text(u"<configuration><Camera><fps>30</fps></Camera>")
    code, _, err = run(capsys, "import", str(path))
    assert code == 1 and err.startswith("Error: malformed XML") and rows(backend) == before


def test_usage_errors(backend, capsys):
    """Incomplete or unknown commands exit 1 with one Error: line that says what is needed."""
    assert run(capsys, "get") == (1, "", "Error: usage: ConfigTool.py get PATH...\n")
    assert run(capsys, "delete", "version") == (
        1, "", "Error: delete version needs the version: -v NAME\n")
    assert run(capsys, "delete", "stuff") == (
        1, "", "Error: usage: ConfigTool.py delete version -v NAME\n")


def test_completion_one_level_at_a_time(backend):
    """Path completion offers one dotted level at a time, folders ending in "."."""
    cfg = API.get_config()
    cfg["Instruments.Camera.fps"] = 1
    cfg["Instruments.Camera.Lens.zoom"] = 1
    cfg["Instruments.GPS.port"] = "x"
    cfg["Other"] = 1
    assert ConfigTool.path_completions(cfg, "") == ["Instruments.", "Other"]
    assert ConfigTool.path_completions(cfg, "Ins") == ["Instruments."]
    assert ConfigTool.path_completions(cfg, "Instruments.") == ["Instruments.Camera.",
                                                                "Instruments.GPS."]
    assert ConfigTool.path_completions(cfg, "Instruments.Camera.") == [
        "Instruments.Camera.Lens.", "Instruments.Camera.fps"]
    assert ConfigTool.path_completions(cfg, "Instruments.Camera.f") == ["Instruments.Camera.fps"]
    assert ConfigTool.path_completions(cfg, "Nope.x") == []
    args = ConfigTool.build_parser().parse_args([])
    assert ConfigTool.complete("ver", args) == ["versions"]
    assert ConfigTool.complete("O", args) == ["Other"]
    args = ConfigTool.build_parser().parse_args(["get"])
    # a lone folder offers its children, so the shell does not append a space after "GPS."
    assert ConfigTool.complete("Instruments.G", args) == ["Instruments.GPS.port"]
    assert ConfigTool.complete("Instruments.C", args) == ["Instruments.Camera.Lens.",
                                                          "Instruments.Camera.fps"]
    args = ConfigTool.build_parser().parse_args(["delete"])
    assert ConfigTool.complete("v", args) == ["version"]


def test_help_and_subprocess(backend):
    """As a process: -h lists commands and flags; add, look-up and an unknown version work."""
    code, out, _ = tool(backend, "-h")
    assert code == 0 and "serialize" in out and "--db_name" in out and "--overwrite" in out
    code, out, err = tool(backend, "--bw", "add", "X.y", "3")
    assert code == 0, err
    code, out, err = tool(backend, "X.y")
    assert (code, out) == (0, "X.y = 3\n")
    code, out, err = tool(backend, "-v", "nope", "list")
    assert code == 1 and err == "Error: no such version 'nope' (use --create to create it)\n"


def test_subprocess_change_fires_callback_within_1s(backend):
    """A quick-hand write by ConfigTool fires a running program's callback within 1 s."""
    cfg = API.get_config("Cam")
    cfg["fps"] = 1
    fired = []
    event = threading.Event()
    cfg.add_callback("fps", lambda p: (fired.append((time.time(), p.get_value())), event.set()))
    code, _, err = tool(backend, "Cam.fps=12")
    done = time.time()
    assert code == 0, err
    assert event.wait(3.0)
    assert fired[-1][1] == 12 and fired[-1][0] - done < 1.0


def test_closed_pipe_is_quiet(backend):
    """``ConfigTool.py list | head -1`` ends quietly (100 kB: more than a pipe buffer)."""
    cfg = API.get_config()
    cfg.import_xml("<configuration>" + "".join("<p%d>%s</p%d>" % (i, "v" * 250, i) for i in range(400))
                   + "</configuration>")
    env = backend.env()
    # the status is the tool's own (PIPESTATUS), not head's
    p = subprocess.Popen(["bash", "-c", '"$0" "$1" list | head -1; exit "${PIPESTATUS[0]}"',
                          sys.executable, TOOL], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate()
    assert p.returncode == 0 and len(out.splitlines()) == 1 and err == b""


@pytest.mark.smoke
def test_non_ascii_values_and_errors(backend):
    """Non-ASCII text round-trips, and errors about it are one readable line (also on 2.7)."""
    code, _, err = tool(backend, "add", u"Unicode.name", u"blåbær ✓")
    assert code == 0, err
    code, out, _ = tool(backend, u"Unicode")
    assert out == u"Unicode.name = blåbær ✓\n"
    code, _, err = tool(backend, "get", u"ø")
    assert code == 1 and err == u"Error: no such parameter ø (version default)\n"
