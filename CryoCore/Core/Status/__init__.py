"""Status service: named channels (StatusHolder) of values (StatusElement) stored on change.

``API.get_status("Chan")["x"] = v`` keeps `v` in memory and, only when it
changed (or on ``force_update``), hands a row to the shared background writer.
The caller never waits on the database.  Events, callbacks and reporters fire
synchronously in the setting thread after the change is recorded.
"""
from __future__ import absolute_import, division, print_function

from .._status2d import Status2DElement
from .._status_element import (MAX_NAME_LENGTH, MAX_NAME_LENGTH_2D,  # noqa: F401
                               MAX_VALUE_LENGTH, NoSuchElementException, StatusElement)
from .._status_holder import (OnChangeStatusReporter, PeriodicStatusReporter,  # noqa: F401
                              StatusHolder, StatusReporter, get_status)

__all__ = ["StatusHolder", "StatusElement", "Status2DElement", "StatusReporter",
           "OnChangeStatusReporter", "PeriodicStatusReporter", "NoSuchElementException",
           "get_status"]
