"""The file formats of StatusExport: each writer takes status rows and writes one file.

A row is ``(timestamp, channel, parameter, value)`` as the reading layer streams it
(time order, value = the stored text).  Writers never hold more than one chunk of rows:
memory stays flat however long the range.

- ``csv``: ``timestamp,channel,parameter,value``, one row per stored value, the
  timestamp as ``repr(float)`` (full precision, round-trips).
- ``json``: one JSON object per line with the same four keys.
- ``wide``: the ``TailStatus.py --timeseries`` layout (one column per parameter), written
  by the same code (``Tools/_timeseries``).
- ``parquet`` (pyarrow) and ``netcdf`` (netCDF4): Python 3 extras, imported when used.

csv, json and wide run on Python 2.7 without extras.
"""
from __future__ import absolute_import, division, print_function

import io
import json
import re
import sys

from CryoCore.Core._compat import PY2, to_text
from CryoCore.Tools import _common

TEXT_FORMATS = ("csv", "wide", "json")
FILE_FORMATS = ("parquet", "netcdf")
FORMATS = TEXT_FORMATS + FILE_FORMATS
#: File name endings that choose a format when --format is not given.
SUFFIXES = {".csv": "csv", ".json": "json", ".jsonl": "json", ".ndjson": "json",
            ".parquet": "parquet", ".pq": "parquet", ".nc": "netcdf", ".nc4": "netcdf"}
CSV_HEADER = ("timestamp", "channel", "parameter", "value")
#: Rows per write (text), per Parquet row group, per netCDF slab.
CHUNK_ROWS = 50000
EXTRA = 'pip install "CryoCore[export]"'


def format_for(path):
    """The format a file name asks for by its ending (None if it names none)."""
    lower = (path or "").lower()
    for suffix, fmt in SUFFIXES.items():
        if lower.endswith(suffix):
            return fmt
    return None


def need(module, fmt):
    """Import `module` for format `fmt`, or fail in one line naming the extra to install."""
    if PY2:
        raise _common.ToolError("--format %s needs Python 3 (csv, wide and json run on 2.7)"
                                % fmt)
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        raise _common.ToolError("--format %s needs %s: %s" % (fmt, module.split(".")[0], EXTRA))


# -- text output ---------------------------------------------------------------
class TextOut(object):
    """Lines of text to a file (UTF-8) or a stream (bytes on 2.7's byte streams)."""

    def __init__(self, path=None, stream=None):
        self.path = path
        if path is not None:
            self.f = io.open(path, "w", encoding="utf-8", newline="")
            self.encode = False
        else:
            self.f = stream or sys.stdout
            self.encode = PY2 and not isinstance(self.f, io.TextIOBase)

    def write(self, text):
        self.f.write(text.encode("utf-8") if self.encode else text)

    def close(self):
        if self.path is not None:
            self.f.close()
        else:
            self.f.flush()


_NEEDS_QUOTES = re.compile(u'[,"\r\n]')


def csv_field(text):
    """`text` as one RFC 4180 field (quoted only when it has to be)."""
    if _NEEDS_QUOTES.search(text):
        return u'"' + text.replace(u'"', u'""') + u'"'
    return text


def stamp(ts):
    """A timestamp as text with full precision (``repr`` round-trips a float)."""
    return to_text(repr(float(ts)))


def _chunks(rows, size=CHUNK_ROWS):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _quoter():
    """csv_field for many rows: channel/parameter pairs are quoted once, values checked
    with plain substring tests (the common value needs no quotes)."""
    pairs = {}

    def pair(channel, name):
        key = (channel, name)
        text = pairs.get(key)
        if text is None:
            text = pairs[key] = u"%s,%s" % (csv_field(to_text(channel)), csv_field(to_text(name)))
        return text

    def value(text):
        if PY2:
            text = to_text(text)
        if u'"' in text or u"," in text or u"\n" in text or u"\r" in text:
            return csv_field(text)
        return text
    return pair, value


def write_csv(rows, out, params=None):
    """One CSV row per stored value."""
    out.write(u",".join(CSV_HEADER) + u"\n")
    pair, value = _quoter()
    for chunk in _chunks(rows):
        out.write(u"".join([u"%r,%s,%s\n" % (float(ts), pair(c, p), value(v))
                            for ts, c, p, v in chunk]))


def write_json(rows, out, params=None):
    """One JSON object per line: timestamp, channel, parameter, value."""
    dumps = json.dumps
    for chunk in _chunks(rows):
        out.write(u"".join(to_text(dumps({"timestamp": float(ts), "channel": to_text(c),
                                          "parameter": to_text(p), "value": to_text(v)},
                                         sort_keys=False)) + u"\n"
                           for ts, c, p, v in chunk))


# -- wide: the --timeseries layout (one implementation: Tools/_timeseries) ----------------
def write_wide(rows, out, params, fill=False, seed=None):
    """``TailStatus.py --timeseries``'s CSV: ``Time,<channel:param>,...``, one row per moment."""
    from CryoCore.Tools import _timeseries
    batch = []
    for line in _timeseries.lines(rows, params, fill, seed):
        batch.append(line)
        if len(batch) >= CHUNK_ROWS:
            out.write(u"\n".join(batch) + u"\n")
            batch = []
    if batch:
        out.write(u"\n".join(batch) + u"\n")


# -- file formats (Python 3 extras) -----------------------------------------------
def write_parquet(rows, path, params=None):
    """The csv layout as Parquet: float64 timestamp, strings; one row group per chunk."""
    pa = need("pyarrow", "parquet")
    pq = need("pyarrow.parquet", "parquet")
    schema = pa.schema([("timestamp", pa.float64()), ("channel", pa.string()),
                        ("parameter", pa.string()), ("value", pa.string())])
    writer = pq.ParquetWriter(path, schema)
    try:
        wrote = False
        for chunk in _chunks(rows):
            cols = list(zip(*chunk))
            writer.write_table(pa.Table.from_arrays(
                [pa.array(cols[0], pa.float64())] + [pa.array(c, pa.string()) for c in cols[1:]],
                schema=schema))
            wrote = True
        if not wrote:  # an empty range is still a valid file with the schema
            writer.write_table(schema.empty_table())
    finally:
        writer.close()


def is_number(text):
    """Whether stored text counts as a number (the reading layer's test, as buckets use it)."""
    from CryoCore.Core._status_reader import is_number as layer_is_number
    return layer_is_number(text)


def variable_names(params):
    """netCDF variable names for `params`: letters, digits and _, unique, starting with a letter."""
    names, taken = [], set(["time"])
    for channel, name in params:
        base = re.sub(r"[^A-Za-z0-9_]", "_", "%s_%s" % (channel, name))
        if not re.match(r"[A-Za-z]", base):
            base = "v_" + base
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = "%s_%d" % (base, n), n + 1
        taken.add(candidate)
        names.append(candidate)
    return names


def write_netcdf(moments, path, params, numeric, attributes=None, title=None):
    """CF-1.8 netCDF: one time axis, one variable per parameter.

    `moments` yields ``(t, cells)`` (cells: one stored text or None per parameter),
    `numeric[i]` says whether parameter i is stored as float64 (else text), and
    `attributes[i]` holds extra attributes (``units``, ``long_name``) from config.
    """
    netCDF4 = need("netCDF4", "netcdf")
    import numpy
    import time as _time
    ds = netCDF4.Dataset(path, "w", format="NETCDF4")
    try:
        ds.Conventions = "CF-1.8"
        ds.title = title or "CryoCore status values"
        ds.source = "CryoCore StatusExport"
        ds.history = "%s: StatusExport.py" % _time.strftime("%Y-%m-%dT%H:%M:%SZ", _time.gmtime())
        ds.createDimension("time", None)
        tvar = ds.createVariable("time", "f8", ("time",))
        tvar.standard_name = "time"
        tvar.long_name = "time"
        tvar.units = "seconds since 1970-01-01 00:00:00 UTC"
        tvar.calendar = "standard"
        tvar.axis = "T"
        variables = []
        for i, ((channel, name), vname) in enumerate(zip(params, variable_names(params))):
            if numeric[i]:
                var = ds.createVariable(vname, "f8", ("time",), fill_value=numpy.nan)
            else:
                var = ds.createVariable(vname, str, ("time",))
            attrs = dict((attributes or [{}] * len(params))[i])
            var.long_name = attrs.pop("long_name", "%s:%s" % (channel, name))
            for key, value in sorted(attrs.items()):
                var.setncattr(key, value)
            var.cryocore_channel = channel
            var.cryocore_parameter = name
            variables.append(var)
        at = 0
        for chunk in _chunks(moments):
            end = at + len(chunk)
            tvar[at:end] = numpy.array([m[0] for m in chunk], dtype="f8")
            for i, var in enumerate(variables):
                cells = [m[1][i] for m in chunk]
                if numeric[i]:
                    var[at:end] = numpy.array([numpy.nan if c is None else float(c)
                                               for c in cells], dtype="f8")
                else:
                    var[at:end] = numpy.array(["" if c is None else c for c in cells],
                                              dtype=object)
            at = end
    finally:
        ds.close()
