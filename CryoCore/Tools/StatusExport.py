#!/usr/bin/env python
# PYTHON_ARGCOMPLETE_OK
"""StatusExport: status history out to a file for analysis (pandas, MATLAB, xarray).

    StatusExport.py [channel:param | word ...] [--since T] [--until T]
                    [--format csv|wide|json|parquet|netcdf] [-o FILE] [--every S] [--fill]

Words select as in ``TailStatus.py --timeseries`` (``channel:param`` exact, a word
without ``:`` every parameter containing it; none: every parameter).  Rows stream from
the reading layer, so memory stays flat however long the range.
"""
from __future__ import absolute_import, division, print_function

import os
import sys

if __package__ in (None, ""):  # run as ./CryoCore/Tools/StatusExport.py from a checkout
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from CryoCore.Tools import _common  # noqa: E402
from CryoCore.Tools import _export_formats as F  # noqa: E402


def build_parser():
    parser = _common.make_parser("StatusExport.py", "Export status history for analysis.")
    parser.add_argument("words", nargs="*", metavar="channel:param|word",
                        help="parameters to export (default: all)")
    _common.add_range_flags(parser)
    parser.add_argument("--format", choices=F.FORMATS,
                        help="csv (default), wide, json, parquet or netcdf; "
                        "default from the -o file name")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write to FILE (needed for parquet and netcdf; default stdout)")
    parser.add_argument("--every", type=float, metavar="SECONDS",
                        help="resample onto a grid of SECONDS: the last value in each step")
    parser.add_argument("--fill", action="store_true",
                        help="carry the last value into steps (or wide rows) without one")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--source", metavar="NAME",
                        help="only rows DbSync copied from this field source")
    return parser


def _options(args):
    """Check the command line before touching the database; returns (format, since, until)."""
    fmt = args.format or F.format_for(args.output) or "csv"
    if fmt in F.FILE_FORMATS:
        if not args.output:
            raise _common.ToolError("--format %s writes a file: give -o FILE" % fmt)
        F.need("pyarrow" if fmt == "parquet" else "netCDF4", fmt)
    if args.every is not None and not args.every > 0:  # also refuses nan
        raise _common.ToolError("--every takes a number of seconds > 0, not %s" % args.every)
    if args.fill and args.every is None and fmt not in ("wide", "netcdf"):
        raise _common.ToolError("--fill needs --every (or --format wide or netcdf)")
    since, until = _common.time_range(args)
    return fmt, since, until


def select(reader, words):
    """The parameters `words` name (all without words); an error if words match none."""
    if not words:
        return reader.parameters()
    params = reader.select([_common.stored_form(w) for w in words])
    if not params:
        raise _common.ToolError("no status parameter matches %s" % " ".join(words))
    return params


class Export(object):
    """One export: the selected parameters' rows, resampled if asked, as a format wants."""

    def __init__(self, reader, params, since, until, every=None, fill=False, progress=None,
                 source=None):
        self.reader, self.params, self.source = reader, params, source
        self.since, self.until = since, until
        self.every, self.fill = every, fill
        self.progress = progress

    def seed(self):
        """Values the parameters had when the range starts (what --fill carries in)."""
        if not (self.fill and self.since is not None):
            return {}
        return dict((tuple(k), v[1]) for k, v in
                    self.reader.last_values(self.params, self.since, self.source).items())

    def rows(self, show_progress=True):
        """The rows to write: ``(timestamp, channel, parameter, value)`` in time order."""
        rows = self.reader.history(self.params, self.since, self.until, self.source)
        if show_progress and self.progress is not None:
            rows = self.progress.wrap(rows)
        if self.every is not None:
            from CryoCore.Tools._resample import resample
            rows = resample(rows, self.params, self.every, self.since, self.until,
                            self.fill, self.seed())
        return rows

    def moments(self, fill=False):
        """``(t, cells)`` per row of the wide layout (netcdf); `fill` carries values on."""
        from CryoCore.Tools import _timeseries
        seed = self.seed() if fill else {}
        known = [seed.get(tuple(p)) for p in self.params]
        for t, cells in _timeseries.moments(self.rows(), self.params):
            if fill:
                known = [c if c is not None else k for c, k in zip(cells, known)]
                cells = list(known)
            yield t, cells

    def numeric(self):
        """Per parameter: whether every value in the range is a number (a first pass)."""
        index = dict((p, i) for i, p in enumerate(self.params))
        numeric = [True] * len(self.params)
        for _, channel, name, value in self.rows(show_progress=False):
            i = index[(channel, name)]
            if numeric[i] and not F.is_number(value):
                numeric[i] = False
        return numeric


def _attributes(args, params):
    """netCDF attributes per parameter from config (``<channel>.units.<param>``)."""
    from CryoCore.Core import _units
    found = _units.lookup(params, _common.db_flags(args))
    return [dict(units=found[p]) if found.get(p) else {} for p in params]


def main(argv=None, out=None):
    """StatusExport entry point; returns the exit status."""
    parser = build_parser()
    _common.autocomplete(parser)
    args = parser.parse_args(argv)
    fmt, since, until = _options(args)
    from CryoCore.Core._status_reader import StatusReader
    _common.warn_password_flag(args)
    reader = StatusReader(db_cfg=_common.db_flags(args))
    try:
        params = select(reader, args.words)
        source = _common.source_name(args)
        reader.check_source(source)  # before a file is made
        progress = None
        data_stream = None if args.output else (out or sys.stdout)
        if not args.no_progress and _progress_wanted(data_stream):
            from CryoCore.Tools._progress import Progress
            progress = Progress(start=since, end=until)
        export = Export(reader, params, since, until, args.every, args.fill, progress, source)
        _write(export, fmt, args, out)
    finally:
        reader.close()
    return 0


def _progress_wanted(data_stream):
    from CryoCore.Tools._progress import wanted
    return wanted(sys.stderr, data_stream)


def _write(export, fmt, args, out):
    if fmt == "parquet":
        F.write_parquet(export.rows(), args.output)
    elif fmt == "netcdf":
        numeric = export.numeric()
        F.write_netcdf(export.moments(fill=args.fill and args.every is None), args.output,
                       export.params, numeric, _attributes(args, export.params))
    else:
        target = F.TextOut(args.output, out)
        try:
            if fmt == "csv":
                F.write_csv(export.rows(), target)
            elif fmt == "json":
                F.write_json(export.rows(), target)
            else:
                fill = args.fill and args.every is None  # resampling already filled
                F.write_wide(export.rows(), target, export.params, fill,
                             export.seed() if fill else None)
        finally:
            target.close()


def console_main():
    """Console-script entry point."""
    _common.console(main)


if __name__ == "__main__":
    console_main()
