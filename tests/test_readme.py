"""The README's Python examples run verbatim, and its command-line examples run and answer as documented."""

import re
import shlex
import warnings
from pathlib import Path

import pytest

from capacity.cli import main

README = (Path(__file__).parent.parent / "README.md").read_text()


def _python_blocks():
    return re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def test_the_readme_has_python_examples():
    assert len(_python_blocks()) >= 2


@pytest.mark.parametrize("index", range(len(_python_blocks())))
def test_python_example_runs_verbatim(index):
    """Each block runs alone in a fresh namespace (as a reader pasting it would), with the warnings it documents
    shown rather than raised; a model registered by one block is removed again."""
    from replica.models import base

    catalogue = dict(base._CATALOGUE)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            exec(compile(_python_blocks()[index], f"README.md python block {index}", "exec"), {})
    finally:
        base._CATALOGUE.clear()
        base._CATALOGUE.update(catalogue)


def _command_lines():
    """The ``replica ...`` lines of the README's command-line section, with comments and [optional] parts removed;
    the synopsis (``replica solve FAMILY ...``, a placeholder in capitals) is not a command."""
    section = re.search(r"## Command line\n(.*?)\n## ", README, flags=re.DOTALL).group(1)
    commands = []
    for block in re.findall(r"```\n(.*?)```", section, flags=re.DOTALL):
        for line in block.splitlines():
            line = line.split("#", 1)[0]
            line = re.sub(r"\[[^\]]*\]", "", line).strip()
            if line.startswith("replica ") and "FAMILY" not in line:
                commands.append(shlex.split(line)[1:])
    return commands


#: Commands whose sweep takes more than a few seconds: run with the slow checks.
SLOW_COMMANDS = {("verify", "glm"), ("verify", "committee"), ("verify", "kernel-curve"), ("verify", "lam"),
                 ("verify", "sign-perceptron"), ("verify", "ising-perceptron"), ("verify", "gardner"),
                 ("solve", "glm-transitions"), ("verify", "influence"), ("verify", "extensive-width"),
                 ("verify", "tree-machine")}


@pytest.mark.parametrize("argv", [pytest.param(c, marks=pytest.mark.slow) if tuple(c[:2]) in SLOW_COMMANDS else c
                                  for c in _command_lines()], ids=" ".join)
def test_command_line_example_runs(argv, capsys):
    assert main(argv) == 0
    assert "Traceback" not in capsys.readouterr().err
