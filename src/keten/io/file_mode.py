"""The permission bits of the files keten writes."""

from __future__ import annotations

import os


def output_file_mode() -> int:
    """The mode an output file gets: 0666 less the user's umask (what ``open(..., "w")``
    gives), so colleagues and a web server can read it where the umask allows.

    Files are written to a ``mkstemp`` file first (mode 0600) and renamed, so the mode is set
    explicitly; private keys keep 0600 (``keten.io.keys``)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask
