#!/usr/bin/env python
# PYTHON_ARGCOMPLETE_OK
"""TailLog: View and follow logs."""
from __future__ import absolute_import, division, print_function

import os
import sys

if __package__ in (None, ""):  # run as ./CryoCore/Tools/TailLog.py from a checkout
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from CryoCore.Tools import _common  # noqa: E402

main = _common.not_implemented("TailLog")


def console_main():
    """Console-script entry point."""
    _common.console(main)


if __name__ == "__main__":
    console_main()
