"""An append-only record of finished trials, so that an interrupted sweep resumes without losing work.

The file is JSON lines: a header ``{"experiment": {...}}`` naming the experiment and its settings, then one line
``{"task": [...], "result": {...}}`` per finished trial, flushed and synced to disk as the trial finishes. A
process killed at any moment leaves at most one incomplete last line, which is ignored on reading (that trial is
run again); a line that is not a trial record anywhere else means the file was edited or damaged, and is refused
with its line number rather than skipped. While a store is open it holds an exclusive lock on the file
(``fcntl.flock``), so a second process resuming the same sweep is refused instead of repeating all the work; the
operating system releases the lock when the process ends, however it ends.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from replica.errors import ParameterError
from replica.serialization import json_safe

__all__ = ["TrialStore"]


class TrialStore:
    """Finished trials of one experiment, on disk.

    Parameters
    ----------
    path : str or Path
        The JSON-lines file.
    experiment : dict
        What the trials belong to (function and settings); a store written for another experiment is refused.
    resume : bool
        Continue an existing file. Without it an existing file is an error, so that no earlier sweep is mixed
        in by accident.
    """

    def __init__(self, path, experiment: dict, *, resume: bool = False):
        self.path = Path(path)
        self.experiment = json_safe(experiment)
        self._completed: dict[str, dict] = {}
        if self.path.is_dir():
            raise ParameterError("store", f"{self.path} is a directory; give the path of a file (JSON lines), "
                                          f"e.g. {self.path / 'sweep.jsonl'}")
        existing = self.path.exists() and self.path.stat().st_size > 0
        if existing and not resume:
            raise ParameterError("store", f"{self.path} already exists; pass resume (--resume) to continue it "
                                          "or choose another file")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("a")
        except OSError as error:
            raise ParameterError("store", f"cannot write {self.path}: {error.strerror}") from None
        try:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._handle.close()
            raise ParameterError("store", f"{self.path} is in use by another process (a sweep writing or resuming "
                                          "it); wait for it to finish or choose another file") from None
        if existing:
            self._read()
        else:
            self._write_line({"experiment": self.experiment})

    def close(self) -> None:
        """Release the file and its lock (also done when the process ends)."""
        if not self._handle.closed:
            self._handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if hasattr(self, "_handle"):  # not set when the constructor refused the path
            self.close()

    @staticmethod
    def key(task) -> str:
        return json.dumps(json_safe(list(task)))

    def _read(self) -> None:
        with self.path.open() as handle:
            lines = handle.read().splitlines()
        try:
            header = json.loads(lines[0])
        except (IndexError, json.JSONDecodeError):
            raise ParameterError("store", f"{self.path} is not a trial store (no header line)") from None
        if header.get("experiment") != self.experiment:
            raise ParameterError("store", f"{self.path} holds a different experiment: {header.get('experiment')}; "
                                          f"this one is {self.experiment}")
        for number, line in enumerate(lines[1:], start=2):
            try:
                record = json.loads(line)
                task, result = record["task"], record["result"]
            except (json.JSONDecodeError, KeyError, TypeError):
                if number == len(lines) and not line.endswith("}"):
                    continue  # the last line cut short by a kill: that trial is simply run again
                raise ParameterError("store", f"line {number} of {self.path} is not a trial record ({line[:60]!r}); "
                                              "only the last line may be incomplete (a killed process). Repair "
                                              "or delete that line, or start another store") from None
            self._completed[self.key(task)] = result

    def _write_line(self, record: dict) -> None:
        self._handle.write(json.dumps(record) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def completed(self) -> dict[str, dict]:
        """Results already on disk, by task key."""
        return dict(self._completed)

    def append(self, task, result: dict) -> None:
        """Record one finished trial (synced to disk before returning)."""
        result = json_safe(result)
        self._completed[self.key(task)] = result
        self._write_line({"task": json_safe(list(task)), "result": result})
