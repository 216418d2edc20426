"""StatusReader.time_range (added for StatusPlot): first and last timestamps of parameters."""
from __future__ import absolute_import, division, print_function

import pytest

from CryoCore.Core._status_reader import StatusReader, UnknownParameter
from _history_data import produce

ROWS = [(50.0, "A", "x", "1"), (70.5, "B", "y", "2"), (90.25, "A", "x", "3"),
        (120.0, "A", "z", "4"), (130.0, "B", "y", "5")]


@pytest.mark.smoke
def test_time_range_of_parameters_and_bounds(backend, tmp_path):
    """(first, last) over the given parameters in [start, end); (None, None) when empty."""
    produce(backend, tmp_path, ROWS)
    reader = StatusReader()
    try:
        def expect(params, start=None, end=None):
            ts = [r[0] for r in ROWS if (r[1], r[2]) in params
                  and (start is None or r[0] >= start) and (end is None or r[0] < end)]
            return (min(ts), max(ts)) if ts else (None, None)
        cases = [([("A", "x")], None, None), ([("A", "x"), ("B", "y")], None, None),
                 ([("A", "x"), ("B", "y")], 60, 130), ([("A", "z")], None, 120),
                 ([("B", "y")], 71, None)]
        for params, start, end in cases:
            assert reader.time_range(params, start, end) == expect(params, start, end)
        assert reader.time_range([("A", "z")], None, 120) == (None, None)
        with pytest.raises(UnknownParameter):
            reader.time_range([("A", "nope")])
    finally:
        reader.close()
