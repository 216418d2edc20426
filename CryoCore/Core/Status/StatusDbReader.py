"""The original's status reader, under its name, over the shared reading layer.

``StatusDbReader(name="System.Status.MySQL")`` reads the status database
settings whatever `name` is.  Values come back as the stored text, names as
native ``str``; unknown channels or parameters give None (never an exception).
"""
from __future__ import absolute_import, division, print_function

import time

from .._compat import to_text
from .._status_reader import NoSuchDatabase, StatusReader, UnknownParameter, _marks, native

__all__ = ["StatusDbReader", "NoSuchDatabase", "UnknownParameter"]


class StatusDbReader(StatusReader):
    """Read status values as the original CryoCore's StatusDbReader did."""

    def __init__(self, name="System.Status.MySQL", db_cfg=None):
        StatusReader.__init__(self, db_cfg=db_cfg, name="StatusDbReader")
        self.name = name

    # -- names --------------------------------------------------------------
    def get_channels(self):
        """Channel names (sorted)."""
        return self.channels()

    def get_channel_id(self, channel):
        """The channel's id, or None."""
        self._names(refresh=True)
        return self._chanids.get(to_text(channel))

    def get_channel_name(self, chanid):
        """The name of channel id `chanid`, or None."""
        self._names(refresh=True)
        for name, cid in self._chanids.items():
            if cid == chanid:
                return native(name)
        return None

    def get_param_id(self, channel, name):
        """The parameter's id, or None (the lowest, if a database holds the name twice)."""
        ids = self._names(refresh=True).get((to_text(channel), to_text(name)))
        return min(ids) if ids else None

    def get_parameters(self, channel):
        """Names of the channel's parameters (sorted; [] for an unknown channel)."""
        return [n for _, n in self.parameters(channel)]

    def get_parameters_by_name(self, name):
        """``(chanid, name)`` of every parameter called `name`, in any channel."""
        self._names(refresh=True)
        wanted = to_text(name)
        out = []
        for channel, pname in sorted(self._params):
            if pname == wanted:
                out.append((self._chanids[channel], native(pname)))
        return out

    def get_channels_and_parameters(self):
        """``{channel: {name: paramid}}``."""
        out = {}
        for (channel, name), ids in self._names(refresh=True).items():
            out.setdefault(native(channel), {})[native(name)] = min(ids)
        return out

    # -- values ---------------------------------------------------------------
    def get_last_status_value(self, channel, name):
        """``(timestamp, value)`` of the newest row, or ``(None, None)``."""
        ids = self._names(refresh=True).get((to_text(channel), to_text(name)))
        return self._last(ids) if ids else (None, None)

    def get_last_status_value_by_id(self, paramid):
        """``(timestamp, value)`` of the newest row of `paramid`, or ``(None, None)``."""
        if not self.has_tables():
            return None, None
        return self._last([paramid])

    def get_last_status_values(self, paramlist, since=-60, now=None):
        """``{(channel, name): (timestamp, value)}``: each one's last value with
        since < timestamp < now (`now` default: the clock; a negative `since` counts back
        from `now`).  Unknown parameters and ones without such a row are left out."""
        now = time.time() if now is None else now
        if since is not None and since < 0:
            since = now + since
        names = self._names(refresh=True)
        out = {}
        for channel, name in paramlist:
            ids = names.get((to_text(channel), to_text(name)))
            if ids:
                ts, value = self._last(ids, since, now)
                if ts is not None:
                    out[(channel, name)] = (ts, value)
        return out

    def _last(self, ids, after=None, before=None):
        conds, args = ["paramid IN (%s)" % _marks(len(ids))], list(ids)
        if after is not None:
            conds.append("timestamp > %s")
            args.append(after)
        if before is not None:
            conds.append("timestamp < %s")
            args.append(before)
        else:
            conds.append("timestamp IS NOT NULL")
        rows = self._q("SELECT timestamp, value FROM status WHERE %s "
                       "ORDER BY timestamp DESC, id DESC LIMIT 1" % " AND ".join(conds), args)
        return (rows[0][0], to_text(rows[0][1])) if rows else (None, None)

    def get_updates(self, paramids, since=0):
        """``{"maxid": id, "params": {paramid: {"ts", "val"}}}``: the newest value of each
        parameter among the rows after row id `since` (0: each one's last value).  Pass
        "maxid" as `since` next time."""
        top = self.max_id()
        params = {}
        paramids = list(paramids)
        if paramids and top > since:
            if since:
                rows = self._q("SELECT paramid, timestamp, value, id FROM status WHERE id > %%s "
                               "AND id <= %%s AND paramid IN (%s) ORDER BY id"
                               % _marks(len(paramids)), [since, top] + paramids)
            else:
                rows = [(p, r[0], r[1], 0) for p in paramids for r in [self._last([p])]
                        if r[0] is not None]
            for paramid, ts, value, _ in rows:
                old = params.get(paramid)
                if old is None or ts >= old["ts"]:
                    params[paramid] = {"ts": ts, "val": to_text(value)}
        return {"maxid": max(top, since or 0), "params": params}

    def get_min_timestamp(self):
        """The oldest timestamp in ``status`` (None when empty)."""
        return self._extreme("MIN")

    def get_max_timestamp(self):
        """The newest timestamp in ``status`` (None when empty)."""
        return self._extreme("MAX")

    def _extreme(self, fn):
        if not self.has_tables():
            return None
        return self._q("SELECT %s(timestamp) FROM status" % fn)[0][0]
