"""Field-proofing (issue 11, item 13): InternalDB subclasses' MySQL DDL runs on SQLite too."""
from __future__ import absolute_import, division, print_function

import pytest

from CryoCore.Core import InternalDB

DDL = [
    "CREATE TABLE IF NOT EXISTS t1 (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, "
    "v VARCHAR(20))",
    "CREATE TABLE IF NOT EXISTS t2 (id INT AUTO_INCREMENT, v VARCHAR(20), PRIMARY KEY(id)) "
    "ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS t3 (id BIGINT UNSIGNED PRIMARY KEY AUTO_INCREMENT, "
    "v VARCHAR(20))",
    "CREATE TABLE IF NOT EXISTS `t4` (`id` int(11) NOT NULL AUTO_INCREMENT, `v` varchar(20), "
    "PRIMARY KEY (`id`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
]


class Program(InternalDB.mysql):
    """A program's own table layer, as the original's subclasses are written."""

    def __init__(self, settings):
        InternalDB.mysql.__init__(self, "Program", config=settings)
        self._init_sqls(DDL)

    def add(self, table, value):
        return self._execute("INSERT INTO %s (v) VALUES (%%s)" % table, (value,)).lastrowid


@pytest.mark.smoke
@pytest.mark.parametrize("table", ["t1", "t2", "t3", "t4"])
def test_common_auto_increment_ddl_forms(backend, table):
    """Each common AUTO_INCREMENT spelling creates a table whose ids count up from 1."""
    db = Program(backend.settings)
    Program(backend.settings)  # idempotent
    ids = [db.add(table, "row%d" % i) for i in range(3)]
    assert ids == [1, 2, 3]
    assert backend.sql("SELECT id, v FROM %s ORDER BY id" % table) == [
        (1, "row0"), (2, "row1"), (3, "row2")]
    db.close()
