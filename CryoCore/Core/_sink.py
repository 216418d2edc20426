"""What the background writer stores into: a Sink (one table of one database)."""
from __future__ import absolute_import, division, print_function

from . import _schema
from ._exceptions import is_connection_error  # noqa: F401 (the writer's API too)


class Sink(object):
    """A table the writer inserts into.

    `db` is the sink's own InternalDB (status and log may live in different
    databases).  Subclasses override ``prepare(items)`` to turn what producers
    handed over into row tuples, one row per item in the same order; it runs
    in the writer's thread, so it may query the database (and must be safe to
    call again after a failure).

    Items must be plain values: a tuple of str/int/float/bool/None (or one
    such value; nested tuples are fine).  A writer with a spool writes them to
    disk as JSON (anything else is spooled as ``str(value)``, bytes as UTF-8
    text), and another process may replay them: it imports the sink's class
    (so define sinks in an importable module, not ``__main__``) and rebuilds
    it with ``from_spool`` (override it when the constructor is not
    ``(db, table, columns, name)`` or ``(db)``).  ``sequenced`` says whether
    rows get the ``cc_producer`` and ``cc_seq`` columns: None (default) means
    "if the table has them".
    """

    sequenced = None
    _seqs = None  # (producer, [seq, ...]) for the rows of the next store(): writer thread only

    def __init__(self, db, table, columns, name=None):
        self.db = db
        self.table = table
        self.columns = tuple(columns)
        self.name = name or table

    def prepare(self, items):
        return items

    def store(self, rows):
        """Insert `rows` in multi-row statements (with the writer's sequence columns, if any).

        A subclass that overrides this should call ``Sink.store(self, rows)`` to
        keep the sequence columns.
        """
        seqs, self._seqs = self._seqs, None
        if seqs is not None and len(seqs[1]) == len(rows):
            producer = seqs[0]
            rows = [tuple(row) + (producer, seq) for row, seq in zip(rows, seqs[1])]
            return self.db._insert_many(self.table, self.columns + _schema.SEQ_COLUMNS, rows)
        return self.db._insert_many(self.table, self.columns, rows)

    @classmethod
    def from_spool(cls, db, table, columns, name=None):
        """Rebuild the sink to replay a spool; override if the constructor differs."""
        try:
            return cls(db, table, columns, name)
        except TypeError:  # a subclass whose constructor takes just the database
            return cls(db)
