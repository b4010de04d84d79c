"""A long Monte Carlo estimate shows its progress on standard error, unless switched off (``replica solve --json``)."""

import json

import pytest

import replica.progress
from capacity.cli import main
from replica.field_sets import BooleanRule, expected_squared_distance


@pytest.fixture
def immediate_bars(monkeypatch):
    monkeypatch.setattr(replica.progress, "DELAY_SECONDS", 0.0)


def test_the_monte_carlo_estimate_shows_its_samples(immediate_bars, capsys):
    estimate = expected_squared_distance(BooleanRule("and", 3), samples=5000, batch=1000)
    err = capsys.readouterr().err
    assert "E dist(z, C)^2 by Monte Carlo" in err and "/5.00k" in err
    with replica.progress.progress_shown(False):
        again = expected_squared_distance(BooleanRule("and", 3), samples=5000, batch=1000)
    assert capsys.readouterr().err == ""
    assert again.mean == estimate.mean   # the bar changes nothing but the screen


def test_solve_json_prints_no_bar_and_the_plain_output_does(immediate_bars, capfd):
    argv = ["solve", "tree-machine", "--set", "K=3", "--set", "rule=and", "--set", "samples=5000"]
    assert main([*argv, "--json"]) == 0
    captured = capfd.readouterr()
    assert "Monte Carlo" not in captured.err and json.loads(captured.out)["quantities"]["monte_carlo_samples"] == 5000
    assert main(argv) == 0
    assert "Monte Carlo" in capfd.readouterr().err
