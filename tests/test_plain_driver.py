# -*- coding: utf-8 -*-
"""What CryoCore stores, read back through the plain driver (sqlite3, mysql-connector) in
every one of the original's tables: the rows are the original's, not only readable by us."""
from __future__ import absolute_import, division, print_function

import inspect
import time

import pytest

from CryoCore import API
from CryoCore.Core import _runtime


@pytest.mark.smoke
def test_every_table_holds_the_original_rows_for_what_the_api_wrote(backend):
    """Each of the original's eight tables holds exactly the rows for a few API calls."""
    sql = backend.plain_sql
    cfg = API.get_config("Cam", version="flight")
    cfg["fps"] = 25
    cfg["on"] = True
    cfg.get("fps").set_comment(u"frames/s æ")
    status = API.get_status("Cam")
    t = time.time()
    status.new("temp", expire_time=60).set_value(35.5, timestamp=t)
    status["state"] = u"ready æ"
    status.new2d("grid", (3, 2), 0).set_value((2, 1), 200)
    log = API.get_log("Cam")
    line = inspect.currentframe().f_lineno + 1
    log.warning(u"hot: %s", u"æøå")
    assert _runtime.writer().flush(20)

    versions = dict(sql("SELECT name, id FROM config_version"))
    assert set(versions) == {"default", "flight"}
    assert sql("SELECT c.name, c.value, c.datatype, c.comment FROM config c JOIN config p "
               "ON c.parent = p.id WHERE p.name = 'Cam' AND c.version = %s ORDER BY c.name",
               (versions["flight"],)) == [("fps", "25", "integer", u"frames/s æ"),
                                          ("on", "True", "boolean", None)]
    assert sql("SELECT parent, datatype FROM config WHERE name = 'Cam'") == [(0, "folder")]
    chans = dict(sql("SELECT name, chanid FROM status_channel"))
    params = dict(sql("SELECT name, paramid FROM status_parameter WHERE chanid = %s",
                      (chans["Cam"],)))
    assert set(params) == {"temp", "state"}
    rows = sql("SELECT paramid, chanid, value, timestamp, expires FROM status "
               "WHERE chanid = %s ORDER BY id", (chans["Cam"],))
    assert [r[:3] for r in rows] == [(params["temp"], chans["Cam"], "35.5"),
                                     (params["state"], chans["Cam"], u"ready æ")]
    assert abs(rows[0][3] - t) < 1e-6 and abs(rows[0][4] - (t + 60)) < 1e-6
    assert sql("SELECT name, chanid, sizex, sizey FROM status_parameter2d") == \
        [("grid", chans["Cam"], 3, 2)]
    assert sql("SELECT posx, posy, value, chanid FROM status2d") == [(2, 1, 200, chans["Cam"])]
    logged = sql("SELECT message, level, line, func, module, logger, time, msecs FROM log "
                 "WHERE logger = 'Cam'")
    assert [r[:6] for r in logged] == [(u"hot: æøå", 30, line, "test_every_table_holds_the_"
                                        "original_rows_for_what_the_api_wrote",
                                        "test_plain_driver", "Cam")]
    assert abs(logged[0][6] - t) < 5 and abs(logged[0][7] - (logged[0][6] % 1) * 1000) < 1
