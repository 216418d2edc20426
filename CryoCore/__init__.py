"""CryoCore: config, status and log services for instrument and control software."""
from __future__ import absolute_import, division, print_function

__version__ = "0.1.0"

from . import API  # noqa: E402
from .API import get_config, get_log, get_status, shutdown  # noqa: E402,F401
from .Core._exceptions import (ConfigException, IntegrityException,  # noqa: E402,F401
                               NoSuchParameterException, NoSuchVersionException,
                               VersionAlreadyExistsException)
