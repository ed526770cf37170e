"""Traceback methods, one object per method (:mod:`.base`), listed in :mod:`.registry`."""
