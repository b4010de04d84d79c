"""An append-only record of finished trials, so that an interrupted sweep resumes without losing work.

The file is JSON lines: a header ``{"experiment": {...}}`` naming the experiment and its settings, then one line
``{"task": [...], "result": {...}}`` per finished trial, flushed and synced to disk as the trial finishes. A
process killed at any moment leaves at most one incomplete last line, which is ignored on reading.
"""

from __future__ import annotations

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
        if self.path.exists() and self.path.stat().st_size > 0:
            if not resume:
                raise ParameterError("store", f"{self.path} already exists; pass resume (--resume) to continue it "
                                              "or choose another file")
            self._read()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._write_line({"experiment": self.experiment})

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
        for line in lines[1:]:
            try:
                record = json.loads(line)
            except json.JSONDecodeError:  # a line cut short by a kill: that trial is simply run again
                continue
            self._completed[self.key(record["task"])] = record["result"]

    def _write_line(self, record: dict) -> None:
        with self.path.open("a") as handle:
            handle.write(json.dumps(record) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def completed(self) -> dict[str, dict]:
        """Results already on disk, by task key."""
        return dict(self._completed)

    def append(self, task, result: dict) -> None:
        """Record one finished trial (synced to disk before returning)."""
        result = json_safe(result)
        self._completed[self.key(task)] = result
        self._write_line({"task": json_safe(list(task)), "result": result})
