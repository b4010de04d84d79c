"""An on-disk cache of derivations, so that a new process does not re-derive a model it has derived before.

A symbolic derivation (:func:`replica.derivation.derive`) takes seconds; its result pickles into a few kilobytes
and loads in milliseconds. Entries are keyed by

* the model declaration: its name and, for the prior and the channel, the module, name and source text of every
  class in their method resolution order below :class:`object`, and the instances' attributes; and
* the engine: a digest of the source of every module of the ``replica`` package, with the versions of sympy
  (whose objects are pickled) and of Python,

so editing a part (even a user's own, in a model file) or any of the engine's code changes the key, and a stale
derivation is never served. A declaration whose classes have no retrievable source (defined interactively) is
not cached. Entries are written to a temporary file and renamed into place (atomic on POSIX), so concurrent
processes never see a partial entry; an unreadable entry is derived again and overwritten.

The folder is ``$REPLICA_CACHE_DIR``, else ``$XDG_CACHE_HOME/replica-capacity``, else
``~/.cache/replica-capacity``; ``REPLICA_CACHE_DIR=off`` disables the cache.
"""

from __future__ import annotations

import hashlib
import inspect
import os
import pickle
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

__all__ = ["cache_folder", "load", "store"]

#: Bumped when the layout of a cached entry changes.
FORMAT = 1


def cache_folder() -> Path | None:
    """The folder of derivation entries, or ``None`` when caching is switched off."""
    chosen = os.environ.get("REPLICA_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "none") else Path(chosen) / "derivations"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "replica-capacity" / "derivations"


@lru_cache(maxsize=1)
def _engine_digest() -> str:
    """SHA-256 over the source of every module of the ``replica`` package (paths and contents)."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _part_text(part) -> str:
    """A part's declaration as text: its classes' sources (raises ``OSError``/``TypeError`` without them)."""
    pieces = []
    for cls in type(part).__mro__:
        if cls is object:
            continue
        pieces.append(f"{cls.__module__}.{cls.__qualname__}\n{inspect.getsource(cls)}")
    pieces.append(repr(sorted(vars(part).items())))
    return "\n".join(pieces)


def _key(model) -> str | None:
    try:
        declaration = "\n".join([model.name, _part_text(model.prior), _part_text(model.channel)])
    except (OSError, TypeError):
        return None
    import sympy

    text = f"{FORMAT}\n{_engine_digest()}\nsympy {sympy.__version__}\npython {sys.version_info[:2]}\n{declaration}"
    return hashlib.sha256(text.encode()).hexdigest()


def load(model):
    """The cached derivation of ``model``, or ``None`` (no entry, caching off, or an unreadable entry)."""
    folder, key = cache_folder(), _key(model)
    if folder is None or key is None:
        return None
    try:
        with (folder / f"{key}.pickle").open("rb") as handle:
            return pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception:  # a damaged or incompatible entry is derived again (and overwritten by store)
        return None


def store(model, derivation) -> None:
    """Write ``derivation`` for ``model`` atomically; any failure (read-only disk, unpicklable parts) is ignored,
    since the cache only saves time."""
    folder, key = cache_folder(), _key(model)
    if folder is None or key is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".partial")
        try:
            with os.fdopen(handle, "wb") as out:
                pickle.dump(derivation, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, folder / f"{key}.pickle")
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except Exception:
        return
