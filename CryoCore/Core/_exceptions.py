"""Exceptions of the public API (re-exported by CryoCore and Config)."""
from __future__ import absolute_import, division, print_function


class ConfigException(Exception):
    """Base of every configuration error."""


class NoSuchParameterException(ConfigException):
    """A configuration parameter does not exist."""


class NoSuchVersionException(ConfigException):
    """A configuration version does not exist."""


class VersionAlreadyExistsException(ConfigException):
    """add_version of a version that exists."""


class IntegrityException(ConfigException):
    """The stored configuration is inconsistent (or a write would make it so)."""


class ConfigValueError(ConfigException, ValueError):
    """A value that does not fit a parameter's type, column or name rules."""


class SettingsError(ValueError):
    """A settings file or settings dict is unusable (one-line message)."""


class DatabaseError(Exception):
    """The database could not be reached or refused a statement."""


class NoSuchDatabase(DatabaseError):
    """A viewer was pointed at a database that does not exist (viewers never create one)."""


def is_connection_error(e):
    """Whether `e` means "database unreachable" (retry later) rather than a bad statement
    or row (InternalDB sets ``connection_error`` on the DatabaseError it raises)."""
    return bool(getattr(e, "connection_error", False))
