"""The original CryoCore tables (spec section 2), for MySQL/MariaDB and SQLite.

MySQL statements are the original's layout, so an existing database is used in
place; SQLite mirrors them.  Each service creates only its own tables.
"""
from __future__ import absolute_import, division, print_function

_MYSQL = {
    "config": [
        """CREATE TABLE IF NOT EXISTS config_version (
            id INTEGER PRIMARY KEY AUTO_INCREMENT,
            name VARCHAR(128) UNIQUE,
            device VARCHAR(128),
            comment TEXT) CHARACTER SET utf8mb4""",
        """CREATE TABLE IF NOT EXISTS config (
            id INTEGER PRIMARY KEY AUTO_INCREMENT,
            version INTEGER NOT NULL,
            last_modified TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6),
            parent INTEGER NOT NULL DEFAULT 0,
            name VARCHAR(128) NOT NULL,
            value VARCHAR(256),
            datatype ENUM('boolean', 'integer', 'double', 'string', 'folder') DEFAULT 'string',
            comment TEXT,
            UNIQUE(version, parent, name),
            INDEX(last_modified),
            FOREIGN KEY (version) REFERENCES config_version(id) ON DELETE CASCADE
        ) CHARACTER SET utf8mb4""",
        "INSERT IGNORE INTO config_version (name, comment) VALUES ('default', 'Default configuration')",
    ],
    "status": [
        """CREATE TABLE IF NOT EXISTS status_channel (
            chanid INTEGER PRIMARY KEY AUTO_INCREMENT,
            name VARCHAR(180) UNIQUE) CHARACTER SET utf8mb4""",
        """CREATE TABLE IF NOT EXISTS status_parameter (
            paramid INTEGER PRIMARY KEY AUTO_INCREMENT,
            name VARCHAR(180),
            chanid INTEGER REFERENCES status_channel(chanid) ON DELETE CASCADE,
            UNIQUE(chanid, name)) CHARACTER SET utf8mb4""",
        """CREATE TABLE IF NOT EXISTS status (
            id INTEGER PRIMARY KEY AUTO_INCREMENT,
            timestamp DOUBLE,
            paramid INTEGER REFERENCES status_parameter(paramid) ON DELETE CASCADE,
            chanid INTEGER REFERENCES status_channel(chanid) ON DELETE CASCADE,
            value VARCHAR(2048),
            aux VARCHAR(2048),
            expires DOUBLE,
            INDEX(timestamp),
            INDEX(paramid)) CHARACTER SET utf8mb4""",
        """CREATE TABLE IF NOT EXISTS status_parameter2d (
            paramid INTEGER PRIMARY KEY AUTO_INCREMENT,
            name VARCHAR(128),
            chanid INTEGER REFERENCES status_channel(chanid) ON DELETE CASCADE,
            sizex INTEGER,
            sizey INTEGER,
            UNIQUE(chanid, name)) CHARACTER SET utf8mb4""",
        """CREATE TABLE IF NOT EXISTS status2d (
            id INTEGER PRIMARY KEY AUTO_INCREMENT,
            timestamp DOUBLE,
            paramid INTEGER REFERENCES status_parameter2d(paramid) ON DELETE CASCADE,
            chanid INTEGER REFERENCES status_channel(chanid) ON DELETE CASCADE,
            posx INTEGER,
            posy INTEGER,
            value TINYINT UNSIGNED,
            expires DOUBLE,
            INDEX(timestamp)) CHARACTER SET utf8mb4""",
    ],
    "log": [
        """CREATE TABLE IF NOT EXISTS log (
            id INTEGER PRIMARY KEY AUTO_INCREMENT,
            message TEXT,
            level INTEGER,
            time DOUBLE,
            msecs DOUBLE,
            line INTEGER,
            func VARCHAR(255),
            module VARCHAR(255),
            logger VARCHAR(255),
            INDEX(time),
            INDEX(logger),
            INDEX(module)) CHARACTER SET utf8mb4""",
    ],
}

SQLITE_EPOCH = "(julianday('now') - 2440587.5) * 86400.0"  # epoch seconds, zone-free
_SQLITE_EPOCH = SQLITE_EPOCH

_SQLITE = {
    "config": [
        """CREATE TABLE IF NOT EXISTS config_version (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name VARCHAR(128) UNIQUE,
            device VARCHAR(128),
            comment TEXT)""",
        # last_modified as local-time text with microseconds, like MySQL's TIMESTAMP(6);
        # cc_modified: the same moment in epoch seconds, whatever the writer's time zone
        """CREATE TABLE IF NOT EXISTS config (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            version INTEGER NOT NULL REFERENCES config_version(id) ON DELETE CASCADE,
            last_modified TIMESTAMP DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now', 'localtime')),
            parent INTEGER NOT NULL DEFAULT 0,
            name VARCHAR(128) NOT NULL,
            value VARCHAR(256),
            datatype TEXT CHECK (datatype IN ('boolean', 'integer', 'double', 'string', 'folder'))
                DEFAULT 'string',
            comment TEXT,
            cc_modified REAL DEFAULT (""" + _SQLITE_EPOCH + """),
            UNIQUE(version, parent, name))""",
        "CREATE INDEX IF NOT EXISTS config_last_modified ON config(last_modified)",
        "INSERT OR IGNORE INTO config_version (name, comment) VALUES ('default', 'Default configuration')",
    ],
    "status": [
        """CREATE TABLE IF NOT EXISTS status_channel (
            chanid INTEGER PRIMARY KEY AUTOINCREMENT,
            name VARCHAR(180) UNIQUE)""",
        """CREATE TABLE IF NOT EXISTS status_parameter (
            paramid INTEGER PRIMARY KEY AUTOINCREMENT,
            name VARCHAR(180),
            chanid INTEGER REFERENCES status_channel(chanid) ON DELETE CASCADE,
            UNIQUE(chanid, name))""",
        """CREATE TABLE IF NOT EXISTS status (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            timestamp DOUBLE,
            paramid INTEGER REFERENCES status_parameter(paramid) ON DELETE CASCADE,
            chanid INTEGER REFERENCES status_channel(chanid) ON DELETE CASCADE,
            value VARCHAR(2048),
            aux VARCHAR(2048),
            expires DOUBLE)""",
        "CREATE INDEX IF NOT EXISTS status_timestamp ON status(timestamp)",
        "CREATE INDEX IF NOT EXISTS status_paramid ON status(paramid)",
        """CREATE TABLE IF NOT EXISTS status_parameter2d (
            paramid INTEGER PRIMARY KEY AUTOINCREMENT,
            name VARCHAR(128),
            chanid INTEGER REFERENCES status_channel(chanid) ON DELETE CASCADE,
            sizex INTEGER,
            sizey INTEGER,
            UNIQUE(chanid, name))""",
        """CREATE TABLE IF NOT EXISTS status2d (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            timestamp DOUBLE,
            paramid INTEGER REFERENCES status_parameter2d(paramid) ON DELETE CASCADE,
            chanid INTEGER REFERENCES status_channel(chanid) ON DELETE CASCADE,
            posx INTEGER,
            posy INTEGER,
            value INTEGER CHECK (value BETWEEN 0 AND 255),
            expires DOUBLE)""",
        "CREATE INDEX IF NOT EXISTS status2d_timestamp ON status2d(timestamp)",
    ],
    "log": [
        """CREATE TABLE IF NOT EXISTS log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            message TEXT,
            level INTEGER,
            time DOUBLE,
            msecs DOUBLE,
            line INTEGER,
            func VARCHAR(255),
            module VARCHAR(255),
            logger VARCHAR(255))""",
        "CREATE INDEX IF NOT EXISTS log_time ON log(time)",
        "CREATE INDEX IF NOT EXISTS log_logger ON log(logger)",
        "CREATE INDEX IF NOT EXISTS log_module ON log(module)",
    ],
}

TABLES = {
    "config": ("config_version", "config"),
    "status": ("status_channel", "status_parameter", "status", "status_parameter2d", "status2d"),
    "log": ("log",),
}


def statements(db_type, service):
    """The idempotent CREATE statements of `service` ("config", "status", "log")."""
    return list((_SQLITE if db_type == "sqlite" else _MYSQL)[service])


# SQLite config: the ON UPDATE CURRENT_TIMESTAMP of MySQL (touch rows whose content
# changed) and cc_modified, also in tables made before it existed (its index, and the
# insert trigger that fills it there: ADD COLUMN cannot have a computed default).
_SQLITE_CONFIG_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS config_touch AFTER UPDATE ON config
        FOR EACH ROW WHEN NEW.last_modified IS OLD.last_modified
        BEGIN UPDATE config SET last_modified = strftime('%Y-%m-%d %H:%M:%f', 'now', 'localtime'),
              cc_modified = """ + _SQLITE_EPOCH + """ WHERE id = NEW.id; END""",
    """CREATE TRIGGER IF NOT EXISTS config_modified AFTER INSERT ON config
        FOR EACH ROW WHEN NEW.cc_modified IS NULL
        BEGIN UPDATE config SET cc_modified = """ + _SQLITE_EPOCH + """ WHERE id = NEW.id; END""",
    "CREATE INDEX IF NOT EXISTS config_cc_modified ON config(cc_modified)",
]


def _sqlite_config_upgrade(db):
    """Give a SQLite config table cc_modified and the triggers that keep it (idempotent)."""
    from ._exceptions import DatabaseError
    with db._transaction():
        if not _answers(db, "SELECT cc_modified FROM config WHERE 1=0"):
            try:
                db._execute("ALTER TABLE config ADD COLUMN cc_modified REAL")
            except DatabaseError as e:
                if "duplicate column" not in str(e):  # another process was first
                    raise
        old = db._execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND "
                          "name = 'config_touch'").fetchall()
        if old and "cc_modified" not in old[0][0]:
            db._execute("DROP TRIGGER config_touch")
        for sql in _SQLITE_CONFIG_TRIGGERS:
            db._execute(sql)


def ensure(db, service):
    """Create `service`'s tables in `db` (an InternalDB.mysql) if missing.

    On MySQL a database that has them all (and the sequence columns) costs one
    query (``_ready``), not one statement per table: every producer pays this.
    """
    if _ready(db, service):
        return
    db._init_sqls(statements(db.db_type, service))
    if service == "config" and db.is_sqlite:
        _sqlite_config_upgrade(db)
    for table in TABLES[service]:
        if table in SEQUENCED_TABLES:
            _try_sequence_columns(db, table)


def _ready(db, service):
    """Whether `service`'s tables, their sequence columns and index, and the default
    config version are all in the MySQL database `db` (one query; False on SQLite)."""
    if db.is_sqlite:
        return False  # a local file: the CREATE ... IF NOT EXISTS statements cost little
    from ._exceptions import DatabaseError, is_connection_error
    tables = TABLES[service]
    seq = [t for t in tables if t in SEQUENCED_TABLES]
    marks = ",".join(["%s"] * len(tables))
    sql = ("SELECT 'table', TABLE_NAME FROM information_schema.TABLES "
           "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (%s)" % marks)
    params = list(tables)
    if seq:
        seq_marks = ",".join(["%s"] * len(seq))
        sql += (" UNION ALL SELECT 'column', CONCAT(TABLE_NAME, '.', COLUMN_NAME) "
                "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                "AND TABLE_NAME IN (%s) AND COLUMN_NAME IN ('cc_producer', 'cc_seq') "
                "UNION ALL SELECT 'index', TABLE_NAME FROM information_schema.STATISTICS "
                "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN (%s) "
                "AND INDEX_NAME = 'cc_seq' AND SEQ_IN_INDEX = 1" % (seq_marks, seq_marks))
        params += seq + seq
    try:
        found = set((_text(kind), _text(name)) for kind, name in db._execute(sql, params))
        if service == "config" and set(("table", t) for t in tables) <= found:
            if not db._execute("SELECT id FROM config_version WHERE name = 'default'").fetchall():
                return False
    except DatabaseError as e:
        if is_connection_error(e):
            raise
        return False  # e.g. no access to information_schema: the statements decide
    wanted = set(("table", t) for t in tables)
    for t in seq:
        wanted.update([("column", t + ".cc_producer"), ("column", t + ".cc_seq"), ("index", t)])
    if not wanted <= found:
        return False
    _sequenced(db).update(seq)
    return True


def _sequenced(db):
    """The tables of `db` known to have the sequence columns (no probe needed for them)."""
    known = getattr(db, "_cc_sequenced", None)
    if known is None:
        known = db._cc_sequenced = set()
    return known


def _text(value):
    return value.decode("utf-8") if isinstance(value, (bytes, bytearray)) else value


def _try_sequence_columns(db, table):
    """Best effort: without ALTER rights the table works, only without replay dedup."""
    from ._exceptions import DatabaseError, is_connection_error
    try:
        add_sequence_columns(db, table)
    except DatabaseError as e:
        if is_connection_error(e):
            raise
        from .InternalDB import report
        report("cannot add the sequence columns to %s (%s): a replay after a crash may "
               "store rows twice" % (table, e))


# -- sequence columns (issue 7): who wrote a row, and its place in that producer's stream --
#: Extra nullable columns the background writer fills so that replaying a spool never
#: stores a row twice.  Rows written by other programs (the original's tools) leave them NULL.
SEQ_COLUMNS = ("cc_producer", "cc_seq")
SEQUENCED_TABLES = ("status", "status2d", "log")
MIGRATION_TIMEOUT = 3600  # seconds an ALTER that builds the index may take on a big table
# MariaDB/MySQL errors meaning "this ALGORITHM/LOCK is not possible here": try the next one.
_ALGORITHM_REFUSED = (1845, 1846, 1235, 1064)


def has_sequence_columns(db, table):
    """Whether `table` has the writer's sequence columns (a connection error propagates)."""
    if table in _sequenced(db):
        return True
    return _answers(db, "SELECT cc_producer, cc_seq FROM %s WHERE 1=0" % table)


def has_tables(db, service):
    """Whether `service`'s tables all exist: what viewers check instead of creating them."""
    return all(has_table(db, table) for table in TABLES[service])


def has_table(db, table):
    """Whether `table` exists (a connection error propagates)."""
    return _answers(db, "SELECT 1 FROM %s WHERE 1=0" % table)


def _answers(db, probe):
    """Whether the database accepts `probe`; an unreachable or missing database raises."""
    from ._exceptions import DatabaseError, NoSuchDatabase, is_connection_error
    try:
        db._execute(probe)
        return True
    except DatabaseError as e:
        if is_connection_error(e) or isinstance(e, NoSuchDatabase):
            raise
        return False


def add_sequence_columns(db, table):
    """Add the nullable sequence columns and their index to `table` if missing.

    Existing rows are not rewritten where the server allows it: MariaDB 10.3+
    adds the columns with ALGORITHM=INSTANT and builds the index in place
    (NOCOPY, LOCK=NONE); SQLite's ADD COLUMN only changes the schema.
    """
    _add_indexed_columns(db, table, has_sequence_columns,
                         zip(SEQ_COLUMNS, ("BIGINT", "BIGINT")), "cc_seq", unique=False)


def _add_indexed_columns(db, table, has_columns, columns, key, unique):
    """Add the nullable `columns` ((name, MySQL type), ...) to `table` and an index
    named `key` over them (``<table>_<key>`` on SQLite), each only if missing
    (`has_columns(db, table)` tells whether the columns are there)."""
    columns = list(columns)
    names = ", ".join(name for name, _ in columns)
    index = "UNIQUE INDEX" if unique else "INDEX"
    if db.is_sqlite:
        from ._exceptions import DatabaseError
        if not has_columns(db, table):
            for column, _ in columns:
                try:
                    db._execute("ALTER TABLE %s ADD COLUMN %s INTEGER" % (table, column))
                except DatabaseError as e:
                    if "duplicate column" not in str(e):  # another process was first
                        raise
        db._execute("CREATE %s IF NOT EXISTS %s_%s ON %s(%s)"
                    % (index, table, key, table, names))
        return
    has_cols = has_columns(db, table)
    has_index = bool(db._execute("SHOW INDEX FROM %s WHERE Key_name = '%s'"
                                 % (table, key)).fetchall())
    if has_cols and has_index:
        return
    # Building the index reads every row of a big table: more than db_timeout allows.
    from .InternalDB import mysql
    slow = mysql(db.name + "-migrate", config=dict(db.settings, db_timeout=MIGRATION_TIMEOUT))
    try:
        if not has_cols:
            _alter(slow, table,
                   ", ".join("ADD COLUMN %s %s NULL" % column for column in columns),
                   (", ALGORITHM=INSTANT", ", ALGORITHM=NOCOPY", ""))
        if not has_index:
            _alter(slow, table, "ADD %s %s (%s)" % (index, key, names),
                   (", ALGORITHM=NOCOPY, LOCK=NONE", ", ALGORITHM=INPLACE", ""))
    finally:
        slow.close()


def _alter(db, table, change, algorithms):
    from ._exceptions import DatabaseError
    for i, algorithm in enumerate(algorithms):
        try:
            db._init_sqls(["ALTER TABLE %s %s%s" % (table, change, algorithm)])
            return
        except DatabaseError as e:
            if getattr(e, "errno", None) not in _ALGORITHM_REFUSED or i == len(algorithms) - 1:
                raise


# -- field-to-ground sync (issue 17): where a copied row came from ----------------------
#: Ground rows copied by DbSync carry their source (a row of cc_sync_source) and their id
#: in the field database, under one unique key, so no row is ever stored twice.  Both
#: columns are nullable: local rows and the original's tools leave them NULL.  Only the sync
#: (an explicit writer) adds them, and the two tables below, to a ground database.
SYNC_COLUMNS = ("cc_source", "cc_field_id")
SYNC_TABLES = {"status": ("status", "status2d"), "log": ("log",)}
_SYNC_DDL = [
    """CREATE TABLE IF NOT EXISTS cc_sync_source (
        id INTEGER PRIMARY KEY AUTO_INCREMENT,
        name VARCHAR(180) NOT NULL UNIQUE) CHARACTER SET utf8mb4""",
    # last_id: every field id <= last_id is copied or known never to come, except the
    # id ranges in `pending` (JSON [[first, last, since], ...]) still awaited.
    """CREATE TABLE IF NOT EXISTS cc_sync_position (
        source INTEGER NOT NULL,
        tbl VARCHAR(32) NOT NULL,
        last_id BIGINT NOT NULL DEFAULT 0,
        pending TEXT,
        updated DOUBLE,
        PRIMARY KEY (source, tbl)) CHARACTER SET utf8mb4""",
]


def ensure_sync(db, service):
    """Make `db` a ground database for `service` ("status" or "log"): the CryoCore
    tables, the sync's two tables and the source columns with their unique key.
    A ground already prepared costs two queries (each statement is a round trip)."""
    if has_table(db, "cc_sync_position") and all(
            has_sync_columns(db, table) for table in SYNC_TABLES[service]):
        return
    ensure(db, service)
    db._init_sqls(_SYNC_DDL)
    for table in SYNC_TABLES[service]:
        add_sync_columns(db, table)


def has_sync_columns(db, table):
    """Whether `table` has the sync's source columns (a connection error propagates)."""
    return _answers(db, "SELECT cc_source, cc_field_id FROM %s WHERE 1=0" % table)


def add_sync_columns(db, table):
    """Add the nullable source columns and their unique key to `table` if missing
    (without rewriting rows where the server allows it, as add_sequence_columns)."""
    _add_indexed_columns(db, table, has_sync_columns,
                         zip(SYNC_COLUMNS, ("INTEGER", "BIGINT")), "cc_sync", unique=True)
