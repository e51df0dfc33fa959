"""A quiet HiGHS instance, shared by planning and resilience."""

from __future__ import annotations

import os
import sys
from functools import lru_cache

import highspy


@lru_cache(maxsize=1)
def _banner_silenced() -> bool:
    """HiGHS prints a banner to the C stdout on the first ``Highs()`` of a process; create that
    first one with fd 1 pointed at /dev/null (once, so later solves never touch fd 1)."""
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        fd = 1
    saved = os.dup(fd)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
        highspy.Highs()
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)
    return True


# HiGHS runs one global thread scheduler per process, set up by the first solve with that
# solve's ``threads`` option; a later solve asking for another count fails with model status
# "Not Set". Every keten solve therefore uses the same count.
THREADS = 1


def quiet_highs() -> highspy.Highs:
    """A Highs instance that prints nothing (no banner, no solver log), on THREADS threads."""
    _banner_silenced()
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", THREADS)
    return h
