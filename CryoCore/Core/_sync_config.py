"""Field config versions kept current on the ground (issue 17).

The field's version ``default`` becomes ground version ``SOURCE``, every other field
version ``V`` becomes ``SOURCE.V``; each is made equal to the field's tree (additions,
changes and deletions) in one ground transaction.  Ground versions the sync made carry the
comment ``MARK``; only those are ever changed or deleted, so the ground's own config is
never touched.
"""
from __future__ import absolute_import, division, print_function

from . import _schema
from ._compat import one_line, to_text
from ._exceptions import DatabaseError, is_connection_error

MARK = u"(copied by ccsync)"


def ground_version(source, field_version):
    return source if field_version == u"default" else u"%s.%s" % (source, field_version)


def _tree(db, version_id):
    """path tuple -> (id, value, datatype, comment) of one version."""
    rows = db._execute("SELECT id, parent, name, value, datatype, comment FROM config "
                       "WHERE version = %s", (version_id,)).fetchall()
    by_id = dict((r[0], r) for r in rows)
    paths = {}

    def path(row, depth=0):
        if row[0] in paths:
            return paths[row[0]]
        parent = by_id.get(row[1])
        if depth > 200 or (row[1] and parent is None):
            result = None   # an orphan or a loop: not part of the tree
        elif parent is None:
            result = (to_text(row[2]),)
        else:
            above = path(parent, depth + 1)
            result = None if above is None else above + (to_text(row[2]),)
        paths[row[0]] = result
        return result

    out = {}
    for row in rows:
        p = path(row)
        if p is not None:
            out[p] = (row[0], to_text(row[3]), to_text(row[4]), to_text(row[5]))
    return out


def _fingerprint(db, version_id):
    return tuple(db._execute("SELECT COUNT(*), SUM(id), MAX(last_modified) FROM config "
                             "WHERE version = %s", (version_id,)).fetchone())


class ConfigCopy(object):
    """Copy every field config version of `source` to the ground; ``step()`` copies the
    versions that changed since the last step and returns how many it rewrote."""

    def __init__(self, field, ground, source):
        self.field, self.ground, self.source = field, ground, source
        self._seen = {}        # field version name -> fingerprint copied
        self.problems = []
        if not _schema.has_table(ground, "config"):
            _schema.ensure(ground, "config")

    def step(self):
        if not _schema.has_table(self.field, "config_version"):
            return 0
        versions = dict((to_text(name), vid) for vid, name in self.field._execute(
            "SELECT id, name FROM config_version").fetchall())
        done = 0
        for name, vid in sorted(versions.items()):
            fp = _fingerprint(self.field, vid)
            if self._seen.get(name) == fp:
                continue
            try:
                self._copy(name, vid)
            except DatabaseError as e:
                if is_connection_error(e):
                    raise
                self.problems.append(u"config version %r not copied: %s" % (name, one_line(e)))
            self._seen[name] = fp
            done += 1
        wanted = set(ground_version(self.source, v) for v in versions)
        for gid, gname in self._owned():
            if gname not in wanted:
                with self.ground._transaction():
                    self.ground._execute("DELETE FROM config WHERE version = %s", (gid,))
                    self.ground._execute("DELETE FROM config_version WHERE id = %s", (gid,))
                done += 1
        for name in list(self._seen):
            if name not in versions:
                del self._seen[name]
        return done

    def _owned(self):
        prefix = self.source + u"."
        return [(r[0], to_text(r[1])) for r in self.ground._execute(
            "SELECT id, name, comment FROM config_version").fetchall()
            if to_text(r[2]) == MARK and (to_text(r[1]) == self.source
                                           or to_text(r[1]).startswith(prefix))]

    def _version_id(self, name):
        sql = "SELECT id, name, comment FROM config_version WHERE name = %s"
        rows = [r for r in self.ground._execute(sql, (name,)).fetchall() if to_text(r[1]) == name]
        if not rows:
            self.ground._execute("INSERT IGNORE INTO config_version (name, comment) "
                                 "VALUES (%s, %s)", (name, MARK))
            rows = [r for r in self.ground._execute(sql, (name,)).fetchall()
                    if to_text(r[1]) == name]
        if not rows or to_text(rows[0][2]) != MARK:
            self.problems.append(u"ground version %r exists and is not a copy: left alone" % name)
            return None
        return rows[0][0]

    def _copy(self, field_name, field_id):
        name = ground_version(self.source, field_name)
        gid = self._version_id(name)
        if gid is None:
            return
        want = _tree(self.field, field_id)
        with self.ground._transaction():
            have = _tree(self.ground, gid)
            gone = [have[p][0] for p in have if p not in want]
            for i in range(0, len(gone), 500):
                part = gone[i:i + 500]
                self.ground._execute("DELETE FROM config WHERE id IN (%s)"
                                     % ",".join(["%s"] * len(part)), part)
            ids = dict((p, v[0]) for p, v in have.items() if p in want)
            for p in sorted(want, key=len):
                _, value, datatype, comment = want[p]
                if p in ids:
                    if have[p][1:] != (value, datatype, comment):
                        self.ground._execute("UPDATE config SET value = %s, datatype = %s, "
                                             "comment = %s WHERE id = %s",
                                             (value, datatype, comment, ids[p]))
                    continue
                parent = ids.get(p[:-1], 0) if len(p) > 1 else 0
                if len(p) > 1 and p[:-1] not in ids:
                    continue   # its parent could not be stored
                cur = self.ground._execute(
                    "INSERT INTO config (version, parent, name, value, datatype, comment) "
                    "VALUES (%s, %s, %s, %s, %s, %s)", (gid, parent, p[-1], value, datatype,
                                                        comment))
                ids[p] = cur.lastrowid
