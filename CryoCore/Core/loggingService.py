"""Log service: ``logging.Logger``s whose records become rows of the ``log`` table.

``get_log(name)`` configures logging's logger of that name (level DEBUG, not
propagating) with one ``DbHandler``, which hands each record to the shared
background writer; records at ERROR and above wake it at once.  The service
lives in ``_log_service``; this module is its public face (the original's name).
"""
from __future__ import absolute_import, division, print_function

from ._log_service import (DEFAULT_LEVEL, DbHandler, get_log, getLoggingService,  # noqa: F401
                           set_log_level)

__all__ = ["get_log", "set_log_level", "getLoggingService", "DbHandler", "DEFAULT_LEVEL"]
