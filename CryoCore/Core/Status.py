"""Status service (issue 4 builds it): StatusHolder and its elements."""
from __future__ import absolute_import, division, print_function


def get_status(name):
    raise NotImplementedError("the Status service is not implemented yet")
