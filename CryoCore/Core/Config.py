"""Config service (issue 3 builds it): Configuration, NamedConfiguration, ConfigParameter."""
from __future__ import absolute_import, division, print_function

from ._exceptions import (ConfigException, IntegrityException,  # noqa: F401
                          NoSuchParameterException, NoSuchVersionException,
                          VersionAlreadyExistsException)


def get_config(name=None, version="default", db_cfg=None):
    raise NotImplementedError("the Config service is not implemented yet")
