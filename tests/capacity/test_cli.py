"""The command line: JSON contract, one-line usage errors with exit status 2, derive/solve/verify."""

import json
import math
import subprocess
import sys

import pytest
from scipy.stats import norm

from capacity.cli import main
from tests.catalogue import published


def run(*args):
    """Run the installed entry point's code in a fresh interpreter, as a user would."""
    return subprocess.run([sys.executable, "-m", "capacity.cli", *args], capture_output=True, text=True,
                          timeout=600)


def test_solve_json_is_one_object_with_the_closed_form_capacity():
    result = run("solve", "gardner", "--set", "kappa=1", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)  # stdout is exactly one JSON object
    assert set(payload) >= {"model", "params", "quantities", "status", "message"}
    closed = 1 / (2 * norm.cdf(1.0) + norm.pdf(1.0))  # (1 + k^2) Phi(k) + k phi(k) at k = 1
    assert abs(payload["quantities"]["alpha_c"] - closed) < 1e-6
    assert payload["status"] == "success"


@pytest.mark.parametrize("argv,fragment", [
    (["solve", "nope"], "model: unknown model 'nope'"),
    (["solve", "gardner", "--set", "kappa=abc"], "kappa: must be a real number in [-30, 1e+06]"),
    (["solve", "gardner", "--set", "kappa=-100"], "kappa: must lie in [-30, 1e+06]"),
    (["solve", "gardner", "--set", "alpha=5"], "alpha: must lie in (0, alpha_c) = (0, 2)"),
    (["solve", "gardner", "--set", "kappa"], "--set expects NAME=VALUE"),
    (["verify", "gardner", "--n", "0"], "n: must lie in [1, 100000]"),
    (["verify", "gardner", "--trials", "0"], "trials: must lie in [1, 1e+06]"),
    (["verify", "gardner", "--set", "kappa=-0.5"], "kappa: must lie in [0, 1000] (kappa < 0 is not a convex"),
    (["verify", "gardner", "--jobs", "0"], "jobs: must be -1"),
    (["verify", "gardner2"], "model: unknown model"),
    (["verify", "gardner", "--resume"], "resume: needs --store FILE"),
    (["verify", "gardner", "--solver", "GUROBI-BY-HAND"], "solver: must be one of {NNLS"),
    (["frobnicate"], "invalid choice"),
    (["solve", "glm", "--set", "prior=gaussian", "--set", "channel=linear", "--set", "alpha=1"], "Delta: is required"),
    (["solve", "glm", "--set", "prior=cauchy", "--set", "channel=sign", "--set", "alpha=1"], "prior: must be one of"),
    (["solve", "gardner", "--set", "kappa=1", "--set", "kappa=2"], "kappa: set 2 times ('1', '2'); give it once"),
    (["solve", "lam", "--set", "d=5", "--set", "d=6"], "d: set 2 times"),
    (["solve", "committee", "--set", "K=3", "--set", "K=5"], "K: set 2 times"),
    (["verify", "invariant", "--n", "10"], "n: verify invariant does not take --n (it takes --trials, --seed, "
                                           "--solver)"),
    (["verify", "committee", "--plot", "x.png"], "plot: verify committee draws no figure"),
    (["verify", "lam", "--set", "h=3", "--set", "d=5", "--set", "d=6"], "d: the two-layer memory is verified at one d"),
    (["derive", "gardner", "--set", "kappa=1"], "kappa: does not change the equations of gardner"),
    (["verify", "extensive-width-scaling"], "model: no finite-size check for 'extensive-width-scaling'"),
    (["verify", "gardner", "--n", "1", "--trials", "5"], "n: needs at least two different sizes"),
    (["verify", "gardner", "--n", "20", "30", "--plot", "no/such/folder/p.png"], "plot: the folder 'no/such/folder'"),
    (["verify", "gardner", "--n", "20", "30", "--plot", "p.xyz"], "plot: the file name must end in one of"),
    (["solve", "ising-perceptron", "--set", "kappa=41"], "kappa: must lie in [-4, 40]"),
    (["solve", "gardner", "--model-file", "no_such_file.py"], "model-file: no such file"),
])
def test_usage_errors_exit_2_with_one_line(argv, fragment, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in captured.err


def test_usage_error_in_a_fresh_process_has_no_traceback():
    result = run("solve", "gardner", "--set", "kappa=abc", "--json")
    assert result.returncode == 2
    assert result.stdout == "" and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_negative_margin_answers_with_a_warning(capfd):
    assert main(["solve", "gardner", "--set", "kappa=-0.5", "--json"]) == 0
    payload = json.loads(capfd.readouterr().out)
    assert payload["status"] == "warning" and "unstable" in payload["message"]
    assert payload["quantities"]["rs_stability_at_capacity"] == "unstable"


def test_derive_latex(capsys):
    assert main(["derive", "gardner", "--latex"]) == 0
    text = capsys.readouterr().out
    assert r"\int \mathcal{D}z" in text and r"\hat{q}" in text and r"\alpha_c" in text


def test_models_lists_parameters(capsys):
    assert main(["models"]) == 0
    listing = capsys.readouterr().out
    assert "--set kappa=..." in listing and "extensive-width-scaling:" in listing and "default tanh" in listing


def test_small_verify_json_and_plot(tmp_path):
    figure = tmp_path / "verify.png"
    result = run("verify", "gardner", "--n", "10", "20", "--trials", "40", "--seed", "5", "--jobs", "1",
                 "--json", "--plot", str(figure))
    payload = json.loads(result.stdout)
    assert {"model", "params", "quantities", "status", "message"} <= set(payload)
    assert payload["theory"]["alpha_c"] == 2.0
    assert {"alpha_inf", "alpha_c_lower", "alpha_c_upper"} <= set(payload["estimate"])
    # kappa = 0: by Cover's theorem the finite-N median critical load is 2 at every N, so the seeded run agrees
    assert result.returncode == 0 and payload["quantities"]["agree"] is True, payload["message"]
    assert payload["plot"] == str(figure) and figure.stat().st_size > 1000


def test_solve_ising_reports_the_rejected_q_to_one_load(capfd):
    assert main(["solve", "ising-perceptron", "--json"]) == 0
    quantities = json.loads(capfd.readouterr().out)["quantities"]
    assert quantities["capacity_criterion"] == "zero-entropy" and quantities["alpha_q1_valid"] is False
    assert abs(quantities["alpha_q1"] - 4 / 3.141592653589793) < 1e-12
    krauth_mezard = published("ising-perceptron", "alpha_c", kappa=0.0)
    assert abs(quantities["alpha_c"] - krauth_mezard.value) <= krauth_mezard.tolerance
    assert quantities["rs_stability_at_capacity"] == "stable"


def test_verify_ising_by_enumeration(capfd):
    code = main(["verify", "ising-perceptron", "--n", "8", "10", "--trials", "30", "--jobs", "1", "--json"])
    payload = json.loads(capfd.readouterr().out)
    assert code == 0, payload["message"]  # the agreement's power is tested in tests/capacity/checks/test_agreement.py
    assert payload["theory"]["capacity_criterion"] == "zero-entropy"
    assert [e["n"] for e in payload["tables"]["per_size"]] == [8, 10]


def test_solve_sign_perceptron_is_half_of_gardner(capfd):
    assert main(["solve", "sign-perceptron", "--set", "kappa=0.5", "--json"]) == 0
    payload = json.loads(capfd.readouterr().out)
    quantities = payload["quantities"]
    amit = published("sign-perceptron", "alpha_c", kappa=0.5)
    assert abs(quantities["alpha_c"] - amit.value) <= amit.tolerance
    assert quantities["capacity_criterion"] == "q->1" and quantities["rs_stability_at_capacity"] == "stable"
    assert payload["status"] == "success"


def test_verify_sign_perceptron_runs_the_sign_constrained_programs(capfd):
    code = main(["verify", "sign-perceptron", "--n", "10", "20", "--trials", "30", "--jobs", "1", "--json"])
    payload = json.loads(capfd.readouterr().out)
    assert code == 0, payload["message"]
    assert payload["theory"]["alpha_c"] == 1.0
    assert payload["estimate"]["doubtful_instances"] == 0
    # the orthant version of Cover's count has C_+(N, N) = 1/2, so the finite-N median critical load is 1: each
    # size's distribution-free 95% interval must contain it, and exclude Gardner's 2 (the constraint ignored)
    assert all(e["lower"] <= 1.0 <= e["upper"] < 2.0 for e in payload["tables"]["per_size"])


def test_solve_glm_json_contract(capfd):
    assert main(["solve", "glm", "--set", "prior=rademacher", "--set", "channel=sign", "--set", "alpha=1.3",
                 "--json"]) == 0
    payload = json.loads(capfd.readouterr().out)
    assert {"overlap", "mmse", "gen_error", "mutual_information", "branch"} <= set(payload["quantities"])
    assert payload["quantities"]["branch"] == "perfect" and payload["status"] == "success"


def test_verify_glm_runs_amp(capfd):
    code = main(["verify", "glm", "--set", "prior=rademacher", "--set", "channel=sign", "--set", "alpha=0.8",
                 "--n", "500", "--trials", "3", "--json"])
    payload = json.loads(capfd.readouterr().out)
    assert code == 0 and payload["quantities"]["agree"] is True and payload["model"] == "glm", payload["message"]
    assert {"params", "quantities", "status", "message"} <= set(payload)
    assert len(payload["tables"]["trajectory"]) == 31
    erm = {row["loss"]: row for row in payload["tables"]["erm"]}
    assert set(erm) == {"max-margin", "hinge", "logistic"}
    for row in erm.values():  # no convex estimator beats the Bayes-optimal error (arccos(sqrt q)/pi at alpha 0.8)
        assert row["trials"] == 3 and row["mean"] > payload["theory"]["gen_error"]


def test_solve_and_verify_lam(capfd):
    assert main(["solve", "lam", "--set", "d=20", "--set", "kappa=0", "--set", "samples=20000", "--json"]) == 0
    quantities = json.loads(capfd.readouterr().out)["quantities"]
    assert {"p_c", "p_c_log_p_c_over_d2", "hebbian_p_c"} <= set(quantities)
    p_c = quantities["p_c"]
    assert quantities["p_c_log_p_c_over_d2"] == pytest.approx(p_c * math.log(p_c) / 400, rel=1e-12)
    assert quantities["hebbian_p_c"] < p_c / 4
    code = main(["verify", "lam", "--set", "d=5", "--set", "d=8", "--decoupled", "--trials", "4", "--jobs", "1",
                 "--json"])
    payload = json.loads(capfd.readouterr().out)
    assert code == 0 and payload["quantities"]["agree"] is True, payload["message"]
    assert payload["params"]["decoupled"] is True
    assert [row["d"] for row in payload["tables"]["summary"]] == [5, 8] and len(payload["tables"]["instances"]) == 8
    assert main(["solve", "lam", "--set", "d=2.5"]) == 2
    assert "whole number" in capfd.readouterr().err


def test_unknown_model_lists_every_model(capsys):
    assert main(["solve", "nope"]) == 2
    listed = capsys.readouterr().err
    for name in ("gardner", "ising-perceptron", "sign-perceptron", "glm", "glm-transitions", "lam", "committee",
                 "extensive-width", "extensive-width-scaling", "invariant", "kernel-curve"):
        assert name in listed


def test_store_directory_and_empty_matrices_are_usage_errors(tmp_path, capsys):
    assert main(["verify", "gardner", "--n", "20", "30", "--store", str(tmp_path), "--resume"]) == 2
    assert "store: " in capsys.readouterr().err
    empty = tmp_path / "empty.npy"
    empty.write_bytes(b"")
    assert main(["solve", "invariant", "--set", f"matrices={empty}"]) == 2
    assert "matrices: cannot read" in capsys.readouterr().err


def test_a_model_file_makes_its_models_available(tmp_path):
    """The README's way to use a declared model from the command line: --model-file runs the declaration."""
    declaration = tmp_path / "my_model.py"
    declaration.write_text(
        "import replica\n"
        "from replica.models import IsingPrior, MarginConstraint, Model\n"
        "replica.register(Model(name='my-binary-margin', summary='binary weights, margin kappa', "
        "reference='(yours)', prior=IsingPrior(), channel=MarginConstraint()))\n")
    result = run("solve", "my-binary-margin", "--model-file", str(declaration), "--set", "kappa=0", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["model"] == "my-binary-margin"
    krauth_mezard = published("ising-perceptron", "alpha_c", kappa=0.0)
    assert payload["quantities"]["alpha_c"] == pytest.approx(krauth_mezard.value, abs=krauth_mezard.tolerance)
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('oops')\n")
    failed = run("solve", "gardner", "--model-file", str(broken))
    assert failed.returncode == 2 and "model-file: running" in failed.stderr and "Traceback" not in failed.stderr


def test_models_json_lists_every_model_with_its_parameters(capfd):
    assert main(["models", "--json"]) == 0
    rows = {row["model"]: row for row in json.loads(capfd.readouterr().out)}
    assert set(rows) >= {"gardner", "ising-perceptron", "sign-perceptron", "glm", "glm-transitions", "lam",
                         "extensive-width", "extensive-width-scaling", "invariant", "kernel-curve", "committee"}
    kappa = {p["name"]: p for p in rows["ising-perceptron"]["parameters"]}["kappa"]
    assert kappa["range"] == "[-4, 40]" and kappa["default"] == 0  # the binary prior's own limit


@pytest.mark.parametrize("argv", [["derive", "gardner"], ["derive", "ising-perceptron"],
                                  ["derive", "sign-perceptron"],
                                  ["derive", "glm", "--set", "prior=rademacher", "--set", "channel=sign"],
                                  ["derive", "glm", "--set", "prior=gaussian", "--set", "channel=linear"]])
def test_derive_prints_the_free_entropy_and_its_saddle_point(argv, capsys):
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "free entropy:" in text and ("fixed point for" in text or "saddle point" in text)


def test_solve_glm_transitions_from_the_command_line(capfd):
    assert main(["solve", "glm-transitions", "--set", "prior=rademacher", "--set", "channel=sign", "--json"]) == 0
    payload = json.loads(capfd.readouterr().out)
    for quantity in ("alpha_it", "alpha_alg"):  # Gyorgyi 1990; Barbier et al. 2019
        entry = published("glm-transitions", quantity, prior="rademacher", channel="sign")
        assert payload["quantities"][quantity] == pytest.approx(entry.value, abs=entry.tolerance)


@pytest.mark.parametrize("solver", ["CLARABEL", "HIGHS"])
def test_every_solver_finds_the_same_critical_prefixes(solver, capfd):
    """The certified verdicts do not depend on the solver: the same instances give the same P* with cvxpy's
    Clarabel or HiGHS as with the default least-distance NNLS."""
    common = ["verify", "gardner", "--n", "8", "12", "--trials", "12", "--seed", "3", "--jobs", "1", "--json"]
    assert main(common) == 0
    reference = json.loads(capfd.readouterr().out)["tables"]["per_size"]
    assert main([*common, "--solver", solver]) == 0
    assert json.loads(capfd.readouterr().out)["tables"]["per_size"] == reference
