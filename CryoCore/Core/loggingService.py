"""Log service (issue 5 builds it): loggers whose records are stored in the database."""
from __future__ import absolute_import, division, print_function


def get_log(name, prefix=None):
    raise NotImplementedError("the Log service is not implemented yet")


def set_log_level(level):
    raise NotImplementedError("the Log service is not implemented yet")


def getLoggingService(name):
    """Legacy alias of API.get_log."""
    return get_log(name)
