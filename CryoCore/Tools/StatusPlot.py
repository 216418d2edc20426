#!/usr/bin/env python
# PYTHON_ARGCOMPLETE_OK
"""StatusPlot: status history as a picture (PNG/SVG) or as a chart in the terminal.

    StatusPlot.py channel:param|word ... [--since T] [--until T] [-o FILE.png|.svg]
                  [--title TEXT] [--size WIDTHxHEIGHT]

Both use the bucket query of the reading layer with about one bucket per pixel (or
terminal column): the database does the work, so a million rows plot in about a second.
Needs the ``CryoCore[plot]`` extra (matplotlib, plotext; Python 3).
"""
from __future__ import absolute_import, division, print_function

import os
import re
import sys

if __package__ in (None, ""):  # run as ./CryoCore/Tools/StatusPlot.py from a checkout
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from CryoCore.Core._compat import PY2  # noqa: E402
from CryoCore.Tools import _common  # noqa: E402

EXTRA = 'pip install "CryoCore[plot]"'
PICTURES = (".png", ".svg")
DEFAULT_SIZE = (1280, 720)
MAX_PIXELS = 20000


def build_parser():
    parser = _common.make_parser("StatusPlot.py", "Plot status history.")
    parser.add_argument("words", nargs="+", metavar="channel:param|word",
                        help="parameters to plot (a word: every channel:param containing it)")
    _common.add_range_flags(parser)
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="write a picture (.png or .svg); default: a chart in the terminal")
    parser.add_argument("--title", help="the picture's title")
    parser.add_argument("--source", metavar="NAME",
                        help="only rows DbSync copied from this field source")
    parser.add_argument("--size", metavar="WxH",
                        help="picture size in pixels (default %dx%d)" % DEFAULT_SIZE)
    return parser


def _need(module):
    if PY2:
        raise _common.ToolError("StatusPlot.py needs Python 3 and %s" % EXTRA)
    try:
        __import__(module)
    except ImportError:
        raise _common.ToolError("StatusPlot.py needs %s: %s" % (module, EXTRA))


def parse_size(text):
    """``WIDTHxHEIGHT`` in pixels as two ints."""
    m = re.match(r"^\s*(\d+)\s*[xX]\s*(\d+)\s*$", text or "")
    if not m or not (50 <= int(m.group(1)) <= MAX_PIXELS and 50 <= int(m.group(2)) <= MAX_PIXELS):
        raise _common.ToolError("--size takes WIDTHxHEIGHT in pixels (50 to %d), not %r"
                                % (MAX_PIXELS, text))
    return int(m.group(1)), int(m.group(2))


def _options(args):
    """Check the command line before touching the database."""
    if args.output:
        if os.path.splitext(args.output)[1].lower() not in PICTURES:
            raise _common.ToolError("-o takes a .png or .svg file name, not %s" % args.output)
        _need("matplotlib")
    else:
        _need("plotext")
    size = parse_size(args.size) if args.size else DEFAULT_SIZE
    since, until = _common.time_range(args)
    return size, since, until


def _warn(message):
    sys.stderr.write("StatusPlot: %s\n" % message)


def plan(argv):
    """Parse `argv`, open the reader, select the parameters, fix the time range:
    ``(args, size, reader, params, start, end)``; the caller closes the reader."""
    parser = build_parser()
    _common.autocomplete(parser)
    args = parser.parse_args(argv)
    size, since, until = _options(args)
    from CryoCore.Core._status_reader import StatusReader
    from CryoCore.Tools import _plot_data
    _common.warn_password_flag(args)
    reader = StatusReader(db_cfg=_common.db_flags(args))
    try:
        params = reader.select([_common.stored_form(w) for w in args.words])
        args.source = _common.source_name(args)
        start, end = _plot_data.time_range(reader, params, since, until, args.source)
    except BaseException:
        reader.close()
        raise
    return args, size, reader, params, start, end


def picture(args, size, reader, params, start, end):
    """The matplotlib Figure for the picture file."""
    from CryoCore.Core import _units
    from CryoCore.Tools import _plot_data, _plot_png
    units = _units.lookup(params, _common.db_flags(args))
    series = _plot_data.series(reader, params, start, end, _plot_png.buckets_for(size[0]),
                               units, _warn, args.source)
    return _plot_png.figure(_plot_data.axes_groups(series), start, end, size[0], size[1],
                            args.title)


def chart(args, reader, params, start, end, out):
    """The terminal chart as text, sized for `out`."""
    from CryoCore.Tools import _plot_data, _plot_term
    columns, lines = _plot_term.size(out)
    series = _plot_data.series(reader, params, start, end, _plot_term.buckets_for(columns),
                               None, _warn, args.source)
    return _plot_term.chart(series, start, end, columns, lines, _common.use_colour(args, out),
                            args.title)


def main(argv=None, out=None):
    """StatusPlot entry point; returns the exit status."""
    args, size, reader, params, start, end = plan(argv)
    out = out or sys.stdout
    try:
        if args.output:
            from CryoCore.Tools import _plot_png
            _plot_png.save(picture(args, size, reader, params, start, end), args.output)
        else:
            out.write(chart(args, reader, params, start, end, out))
            out.flush()
    finally:
        reader.close()
    return 0


def console_main():
    """Console-script entry point."""
    _common.console(main)


if __name__ == "__main__":
    console_main()
