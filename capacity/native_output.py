"""Redirection of the process's C-level standard output (file descriptor 1).

Compiled solvers write to file descriptor 1 directly (HiGHS prints a banner), bypassing ``sys.stdout``; the
command line's ``--json`` mode and notebooks need that output kept away from the real standard output.
"""

from __future__ import annotations

import contextlib
import os
import sys

__all__ = ["redirect_native_stdout"]


@contextlib.contextmanager
def redirect_native_stdout(target_fd: int):
    """Point file descriptor 1 at ``target_fd`` for the duration of the block.

    Yields a writable text file on the *original* standard output, for output that must still reach it.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    original = os.fdopen(os.dup(saved), "w")
    try:
        os.dup2(target_fd, 1)
        yield original
    finally:
        original.flush()
        original.close()
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
