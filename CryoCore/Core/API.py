"""``CryoCore.Core.API`` is the same module object as ``CryoCore.API``."""
import sys

from CryoCore import API as _api

sys.modules[__name__] = _api
