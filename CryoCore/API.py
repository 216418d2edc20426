"""The CryoCore API: one entry point to the Config, Status and Log services.

Also importable as ``CryoCore.Core.API`` (the same module object).  This module
only wires; the services live in ``CryoCore.Core``.
"""
from __future__ import absolute_import, division, print_function

import logging
import sys

from .Core import _runtime, _settings, _status_upkeep
from .Core._exceptions import (ConfigException, IntegrityException,  # noqa: F401
                               NoSuchParameterException, NoSuchVersionException,
                               VersionAlreadyExistsException)

__all__ = ["get_config", "get_status", "get_log", "get_status_listener", "flush", "shutdown",
           "reset", "api_stop_event",
           "set_config_db", "get_config_db", "set_log_level", "log_level_str", "log_level"]

#: Set by shutdown(); long-running loops watch it.
api_stop_event = _runtime.api_stop_event

# Settable by programs (API.x = ...); Core reads them through _runtime.settable().
#: Expire time (seconds) of implicitly created status elements; None = never.
cc_default_expire_time = _runtime.SETTABLE["cc_default_expire_time"]
#: Seconds a producer may wait for room in a full queue (we never block: kept for compatibility).
queue_timeout = _runtime.SETTABLE["queue_timeout"]
#: Seconds shutdown() waits for an unreachable database before giving up on the rest.
shutdown_grace_period = _runtime.SETTABLE["shutdown_grace_period"]
_runtime.read_settable_from(sys.modules[__name__])

#: Level name -> number, and number -> name, as in the original.
log_level_str = {"CRITICAL": logging.CRITICAL, "FATAL": logging.FATAL, "ERROR": logging.ERROR,
                 "WARNING": logging.WARNING, "WARN": logging.WARNING, "INFO": logging.INFO,
                 "DEBUG": logging.DEBUG, "NOTSET": logging.NOTSET}
log_level = {logging.CRITICAL: "CRITICAL", logging.ERROR: "ERROR", logging.WARNING: "WARNING",
             logging.INFO: "INFO", logging.DEBUG: "DEBUG", logging.NOTSET: "NOTSET"}


def get_config(name=None, version="default", db_cfg=None, at=None):
    """The configuration rooted at `name` (None: the root) of `version`.

    "default" (or None) means the version named by the ``default_version``
    parameter; an unknown version is created.  Same arguments, same object.
    With `at` (epoch seconds or time text such as ``"10m"`` or ISO 8601): a read-only
    view of the tree as it was then, from the config history.
    """
    from .Core import Config
    return Config.get_config(name, version, db_cfg, at=at)


def get_status(name):
    """The StatusHolder of channel `name` (one per name per process)."""
    from .Core import Status
    return Status.get_status(name)


def get_status_listener(clock=None):
    """A started StatusListener thread: ``add_monitors([(channel, name)])``, then
    ``get_last_value(channel, name)``; with a ``StatusListener.Clock`` it replays the past."""
    from .Core.Status.StatusListener import StatusListener
    listener = StatusListener(clock=clock)
    listener.start()
    return listener


def _autoclean_setting():
    """Config System.Status.MySQL.autoclean, read without creating it (None when unset)."""
    return get_config("System.Status.MySQL")["autoclean"]


_status_upkeep.autoclean_setting = _autoclean_setting


def get_log(name, prefix=None):
    """A ``logging.Logger`` whose records are stored in the log database."""
    from .Core import loggingService
    return loggingService.get_log(name, prefix)


def set_log_level(level):
    """Set the level of every CryoCore logger (an int or a name like "INFO")."""
    from .Core import loggingService
    return loggingService.set_log_level(level)


def set_config_db(settings):
    """Database settings that win over every settings file (db_host, db_user, ...)."""
    _settings.set_explicit(settings)


def get_config_db(what=None):
    """The effective settings, with ``override_<what>`` applied ("config", "status", "log")."""
    return _settings.get_settings(what)


def flush(timeout=None):
    """Wait until every status value and log record handed over so far is stored.

    Returns True when they are, False after `timeout` seconds or when they went
    to the spool instead (database away).  Useful before a fork or a measurement.
    """
    return _runtime.flush(timeout)


def shutdown():
    """Flush everything, stop background threads and set api_stop_event (idempotent)."""
    _runtime.shutdown(shutdown_grace_period)


def reset():
    """Forget every cached object and thread and clear api_stop_event (after fork, in tests)."""
    _runtime.reset(shutdown_grace_period)
