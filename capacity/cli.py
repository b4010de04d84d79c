"""The ``replica`` command line: ``models``, ``derive``, ``solve``, ``verify``.

Usage errors (unknown model, non-numeric or out-of-range parameter, N < 1, zero trials) exit with status 2 and
one line naming the parameter and its allowed range. With ``--json`` standard output carries exactly one JSON
object (solver banners are sent to standard error) and no progress bar is shown.
"""

from __future__ import annotations

import argparse
import json
import os
import runpy
import sys
import warnings

from .native_output import redirect_native_stdout

__all__ = ["main"]


class UsageError(Exception):
    """A command-line usage error: printed on one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump
        raise UsageError(message)


#: Models verified by their own checks (not the capacity sweep of capacity.verify).
OTHER_VERIFIERS = ("glm", "lam", "extensive-width", "invariant", "kernel-curve", "committee")

#: Model families whose parts are chosen with --set prior=... --set channel=... (replica.glm).
FAMILIES = ("glm", "glm-transitions")


#: Models with their own solve commands (not a replica Model in the catalogue).
OTHER_SOLVERS = ("lam", "extensive-width", "extensive-width-scaling", "invariant", "kernel-curve", "committee")


def _all_model_names() -> list[str]:
    """Every model the command line knows: the catalogue (with any --model-file models) and the other families."""
    from replica import available_models

    return sorted({m.name for m in available_models()} | set(FAMILIES) | set(OTHER_SOLVERS))


def _unknown_model(name) -> UsageError:
    return UsageError(f"model: unknown model {name!r}; available models: {', '.join(_all_model_names())}")


def _split(item):
    if "=" not in item:
        raise UsageError(f"--set expects NAME=VALUE; got {item!r}")
    name, text = item.split("=", 1)
    return name.strip(), text.strip()


def _check_once(settings, repeatable=()):
    """Refuse a parameter set twice (``--set kappa=1 --set kappa=2``), except those that take a list."""
    seen = {}
    for item in settings or []:
        name, text = _split(item)
        if name in seen and name not in repeatable:
            raise UsageError(f"{name}: set twice ({seen[name]!r} and {text!r}); give each parameter once"
                             + (f" (only {', '.join(repeatable)} may be repeated)" if repeatable else ""))
        seen[name] = text


def _resolve(name, settings):
    """The model named on the command line, and the --set items left for its numeric parameters."""
    from replica import get_model

    _check_once(settings)
    if name not in FAMILIES:
        try:
            return get_model(name), settings or []
        except ValueError:
            raise _unknown_model(name) from None
    from replica.glm import glm_model
    from replica.models.teacher import BAYES_PRIORS, TEACHER_CHANNELS

    parts, rest = {}, []
    for item in settings or []:
        key, text = _split(item)
        if key in ("prior", "channel"):
            parts[key] = text
        else:
            rest.append(item)
    for key, allowed in (("prior", BAYES_PRIORS), ("channel", TEACHER_CHANNELS)):
        if key not in parts:
            raise UsageError(f"{key}: {name} needs --set {key}=NAME with NAME one of {', '.join(allowed)}")
    return glm_model(parts["prior"], parts["channel"]), rest


def _parse_settings(settings, model):
    values = {}
    for item in settings or []:
        name, text = _split(item)
        spec = model.parameter(name)  # unknown names raise ParameterError listing the parameters
        try:
            values[name] = float(text)
        except ValueError:
            raise UsageError(f"{name}: must be a real number in {_range(spec)}; got {text!r}") from None
    return values


def _range(spec) -> str:
    from replica.validation import describe_interval

    return describe_interval(spec.low, spec.high, spec.low_open, spec.high_open)


def _setting_rows(table: dict, keys=None) -> list[dict]:
    """``replica models`` rows of a settings table (name -> (default, description, range)), optionally some keys."""
    return [{"name": key, "description": text, "default": default, "range": interval}
            for key, (default, text, interval) in table.items() if keys is None or key in keys]


def _cmd_models(args, out):
    from replica import available_models

    rows = []
    for model in available_models():
        params = [{"name": s.name, "description": s.description, "default": s.default, "range": _range(s)}
                  for s in model.parameters]
        rows.append({"model": model.name, "summary": model.summary, "reference": model.reference,
                     "parameters": params})
    from replica.models.teacher import BAYES_PRIORS, TEACHER_CHANNELS

    rows.append({"model": "glm", "summary": "Bayes-optimal teacher-student GLM: overlap, MMSE, generalisation error, "
                                            "mutual information (--set prior=... --set channel=... --set alpha=...)",
                 "reference": "Barbier, Krzakala, Macris, Miolane & Zdeborova, PNAS 116, 5451 (2019)",
                 "parameters": [{"name": "prior", "description": "teacher prior", "default": None,
                                 "range": "{" + ", ".join(BAYES_PRIORS) + "}"},
                                {"name": "channel", "description": "teacher channel", "default": None,
                                 "range": "{" + ", ".join(TEACHER_CHANNELS) + "}"},
                                {"name": "alpha", "description": "load P/N", "default": None, "range": "(0, inf)"},
                                {"name": "Delta", "description": "noise variance (linear and relu channels)",
                                 "default": None, "range": "(0, 1e+06]"},
                                {"name": "eta", "description": "label-flip probability (noisy-sign channel)",
                                 "default": None, "range": "(0, 0.5)"},
                                {"name": "rho", "description": "fraction of nonzero weights (gauss-bernoulli prior)",
                                 "default": None, "range": "(0, 1)"}]})
    rows.append({"model": "glm-transitions", "summary": "alpha_IT and alpha_alg of a GLM (--set prior=... "
                                                        "--set channel=...)",
                 "reference": rows[-1]["reference"], "parameters": rows[-1]["parameters"][:2]})
    rows.append({"model": "lam", "summary": "linear associative memory (factual recall): optimal and Hebbian "
                                            "storage capacity (--set d=... [--set kappa=...])",
                 "reference": "Giorlandino, Goldt & Maillard (2026); Gardner (1988)",
                 "parameters": [{"name": name, "description": description, "default": default, "range": interval}
                                for (name, description), (default, interval) in zip(
                                    LAM_SETTINGS.items(), [(None, "[2, 1e6]"), (0.0, "[0, 10]"),
                                                           (None, "[1, d]"), (100000, "[100, 1e7]")])]})
    for name, summary in (("extensive-width", "Bayes-optimal error, feature overlaps and effective width k_c of a "
                                              "width-kappa*d two-layer teacher (--set n_over_d2=...)"),
                          ("extensive-width-scaling", "fitted scaling exponents of the error and the collapse "
                                                      "constant eps n / (k_c d)")):
        rows.append({"model": name, "summary": summary, "reference": "Nguyen & Barbier (2026); Maillard, Troiani, "
                                                                     "Martin, Krzakala & Zdeborova (2024)",
                     "parameters": _setting_rows(EXTENSIVE_WIDTH_SETTINGS, [
                         key for key in EXTENSIVE_WIDTH_SETTINGS if key != "student_d"
                         and (key != "n_over_d2" or name == "extensive-width")
                         and (key != "points" or name != "extensive-width")])})
    rows.append({"model": "invariant", "summary": "capacity P_c = 2 N_0 of group-invariant linear readouts (cyclic "
                                                  "shifts by step, or --set matrices=FILE.npy)",
                 "reference": "Farrell, Bordelon, Trivedi & Pehlevan, ICLR (2022)",
                 "parameters": [{"name": "N", "description": "dimension acted on", "default": None,
                                 "range": "[1, 1e4]"},
                                {"name": "step", "description": "shift step (divides N)", "default": 1,
                                 "range": "[1, N]"},
                                {"name": "matrices", "description": ".npy file of the group's matrices (|G|, N, N)",
                                 "default": None, "range": "file"}]})
    rows.append({"model": "kernel-curve", "summary": "learning curve of kernel ridge regression on a power-law spectrum: "
                                                     "effective ridge kappa, E_g, its bias and noise parts (--set P=...)",
                 "reference": "Bordelon, Canatar & Pehlevan, ICML (2020); Canatar, Bordelon & Pehlevan, Nat. Commun. "
                              "(2021)",
                 "parameters": _setting_rows(KERNEL_CURVE_SETTINGS)})
    rows.append({"model": "committee", "summary": "tree committee or parity machine: RS capacity (q -> 1), large-K law, "
                                                  "replicon at capacity and alpha_AT (--set K=3 [--set rule=parity])",
                 "reference": "Barkai, Hansel & Kanter (1990); Barkai, Hansel & Sompolinsky (1992); Monasson & "
                              "Zecchina (1995)",
                 "parameters": _setting_rows(COMMITTEE_SETTINGS)})
    if args.json:
        print(json.dumps(rows), file=out)
        return 0
    for row in rows:
        print(f"{row['model']}: {row['summary']}", file=out)
        print(f"    {row['reference']}", file=out)
        for p in row["parameters"]:
            default = p["default"]
            default = ("" if default is None else f", default {default}" if isinstance(default, str)
                       else f", default {default:g}")
            print(f"    --set {p['name']}=...  {p['description']} in {p['range']}{default}", file=out)
    return 0


def _cmd_derive(args, out):
    import sympy as sp

    from replica import derive

    model, rest = _resolve(args.model, args.set)
    if rest:
        raise UsageError(f"derive takes only --set prior=... and --set channel=...; got {rest}")
    derivation = derive(model)
    if args.latex:
        print(derivation.latex(), file=out)
        return 0
    saddle = derivation.saddle_point
    sections = [("free entropy", derivation.free_entropy.expression)]
    sections += [(f"conjugate {c}", v) for c, v in saddle.conjugate_solution.items()]
    if saddle.eliminated:
        sections += [("reduced free entropy phi(q)", saddle.reduced), ("saddle point: dphi/dq", saddle.stationarity)]
    sections += [(f"fixed point for {x}", v) for x, v in saddle.fixed_point.items()]
    if derivation.capacity is not None:
        sections += [("q -> 1 leading coefficient", derivation.capacity.leading_coefficient),
                     ("alpha at q -> 1", derivation.capacity.alpha_c)]
    if derivation.replicon_at_capacity is not None:
        sections.append(("replicon at capacity", derivation.replicon_at_capacity))
    print(f"{derivation.model.name}: {derivation.model.summary}", file=out)
    for title, expr in sections:
        print(f"\n{title}:\n  {sp.sstr(expr)}", file=out)
    return 0


#: Settings of the linear associative memory (not a replica Model: its theory is the q -> 1 formula of replica.lam).
LAM_SETTINGS = {"d": "memory dimension d (an integer >= 2)", "kappa": "margin at unit score variance, >= 0",
                "h": "hidden width of a two-layer memory W2 W1 (an integer in [1, d]; default: one layer)",
                "samples": "Monte Carlo samples of F(p, kappa) (integer, default 100000)"}


def _lam_settings(settings, allowed, repeatable=()):
    _check_once(settings, repeatable)
    values = {}
    for item in settings or []:
        name, text = _split(item)
        if name not in allowed:
            raise UsageError(f"{name}: lam takes {', '.join(f'{k} ({allowed[k]})' for k in allowed)}")
        try:
            values.setdefault(name, []).append(float(text))
        except ValueError:
            raise UsageError(f"{name}: must be a number ({allowed[name]}); got {text!r}") from None
    return values


def _whole(name, value, low, high):
    from replica.validation import check_int

    if value != int(value):
        raise UsageError(f"{name}: must be a whole number in [{low}, {high}]; got {value:g}")
    return check_int(name, int(value), low, high)


def _solve_lam(args, out):
    from replica.lam import DEFAULT_SAMPLES, solve_lam

    values = _lam_settings(args.set, LAM_SETTINGS)
    if "d" not in values:
        raise UsageError("d: lam needs --set d=VALUE, the memory dimension (an integer >= 2)")
    d = _whole("d", values["d"][-1], 2, 10**6)
    hidden = _whole("h", values["h"][-1], 1, d) if "h" in values else None
    report = solve_lam(d, values.get("kappa", [0.0])[-1], hidden=hidden,
                       samples=_whole("samples", values.get("samples", [DEFAULT_SAMPLES])[-1], 100, 10**7))
    return _print_report(report, args, out)


#: Settings of the extensive-width network (replica.extensive_width): name -> (default, description).
EXTENSIVE_WIDTH_SETTINGS = {
    "beta": (1.0, "power-law exponent of the readouts", "(0.5, 10]"),
    "kappa": (0.5, "width ratio k/d", "(0, 100]"),
    "n_over_d2": (1.0, "data budget n/d^2", "(0, 1e12]"),
    "Delta": (0.1, "label-noise variance", "[0, 100]"),
    "d": (1000, "input dimension (verify: the SDP's, default 12)", "[2, 1e7]"),
    "points": (80, "budgets on the scaling grid", "[2, 1e7]"),
    "activation": ("tanh", "activation", "{tanh, quadratic}"),
    "student_d": (60, "verify: dimension of the trained student", "[2, 2000]"),
}


def _table_settings(args, table: dict, allowed, *, whole=(), text=(), repeated=()):
    """The ``--set`` values of a model whose settings are described by ``table`` (name -> (default, description,
    range)): numbers, whole numbers (``whole``), words (``text``) and lists (``repeated``, one ``--set`` each); only
    the names in ``allowed``, defaults filled in."""
    _check_once(args.set, repeated)
    values = {}
    for item in args.set or []:
        name, value = _split(item)
        if name not in allowed:
            raise UsageError(f"{name}: {args.model} takes {', '.join(allowed)}")
        if name in text:
            values[name] = value
            continue
        try:
            number = float(value)
        except ValueError:
            raise UsageError(f"{name}: must be a number in {table[name][2]}; got {value!r}") from None
        if name in repeated:
            values.setdefault(name, []).append(number)
        else:
            values[name] = number
    for name in whole:
        if name in values:
            low, high = (float(x) for x in table[name][2].strip("[]").split(","))
            values[name] = ([_whole(name, v, int(low), int(high)) for v in values[name]] if name in repeated
                            else _whole(name, values[name], int(low), int(high)))
    return {name: values.get(name, table[name][0]) for name in allowed}


def _extensive_width_settings(args, allowed):
    return _table_settings(args, EXTENSIVE_WIDTH_SETTINGS, allowed, whole=("d", "points", "student_d"),
                           text=("activation",))


def _solve_extensive_width(args, out):
    from replica.extensive_width import solve_extensive_width, solve_extensive_width_scaling

    if args.model == "extensive-width":
        v = _extensive_width_settings(args, ("beta", "kappa", "n_over_d2", "Delta", "d", "activation"))
        report = solve_extensive_width(beta=v["beta"], kappa=v["kappa"], n_over_d2=v["n_over_d2"], Delta=v["Delta"],
                                       d=v["d"], activation_name=v["activation"])
    else:
        v = _extensive_width_settings(args, ("beta", "kappa", "Delta", "d", "points", "activation"))
        report = solve_extensive_width_scaling(beta=v["beta"], kappa=v["kappa"], Delta=v["Delta"], d=v["d"],
                                               points=v["points"], activation_name=v["activation"])
    return _print_report(report, args, out)


def _verify_extensive_width(args, out):
    from replica.validation import check_int

    from .verify_extensive_width import verify_extensive_width

    v = _extensive_width_settings(args, ("beta", "kappa", "n_over_d2", "Delta", "d", "student_d"))
    trials = check_int("trials", args.trials if args.trials is not None else 4, 1, 1000)
    d = v["d"] if any(_split(item)[0] == "d" for item in args.set or []) else 12  # the SDP's own default
    result = verify_extensive_width(v["kappa"], d=d, trials=trials, student_d=v["student_d"],
                                    n_over_d2=v["n_over_d2"], beta=v["beta"], Delta=v["Delta"],
                                    seed=check_int("seed", args.seed, 0, 2**63 - 1))
    return _print_verification(result, [(None, "sdp")], args, out,
                               f"extensive width: SDP sweep at d = {d} (quadratic activation), trained tanh student",
                               f"student: {result['student']}", params={**v, "d": d, "trials": trials,
                                                                         "seed": int(args.seed)})


#: Settings of the kernel-regression learning curve (replica.kernel_curve): name -> (default, description, range).
KERNEL_CURVE_SETTINGS = {
    "modes": (1000, "number of kernel modes M", "[1, 1e7]"),
    "decay": (1.5, "spectrum eta_k = k^-decay (0: isotropic)", "[0, 20]"),
    "target_decay": (1.5, "target power v_k^2 ~ k^-target_decay, sum 1", "[0, 40]"),
    "ridge": (1e-3, "ridge lambda", "[0, 1e12]"),
    "noise": (0.05, "label-noise variance sigma^2", "[0, 1e12]"),
    "P": (None, "training-set size (repeatable; default 1 to 10 M)", "[1, 1e9]"),
    "kernel": ("rbf", "verify: kernel on the sphere pool", "{rbf, laplace}"),
    "width": (1.0, "verify: kernel bandwidth", "(0, 1e6]"),
    "pool_size": (2000, "verify: points in the pool", "[10, 20000]"),
    "pool_dimension": (10, "verify: dimension d of the sphere S^(d-1)", "[3, 10000]"),
}


def _kernel_curve_settings(args, allowed):
    return _table_settings(args, KERNEL_CURVE_SETTINGS, allowed, whole=("modes", "P", "pool_size", "pool_dimension"),
                           text=("kernel",), repeated=("P",))


def _solve_kernel_curve(args, out):
    import numpy as np

    from replica.kernel_curve import solve_kernel_curve

    v = _kernel_curve_settings(args, ("modes", "decay", "target_decay", "ridge", "noise", "P"))
    sizes = v["P"] or np.unique(np.geomspace(1, 10 * v["modes"], 13).round().astype(int)).tolist()
    report = solve_kernel_curve(sizes, modes=v["modes"], decay=v["decay"], target_decay=v["target_decay"],
                                ridge=v["ridge"], noise=v["noise"])
    if args.json:
        return _print_report(report, args, out)
    import pandas as pd

    print(f"{report.model} {report.params}", file=out)
    print(pd.DataFrame(report.quantities).to_string(index=False, float_format=lambda x: f"{x:.5g}"), file=out)
    print(f"status: {report.status} ({report.message})", file=out)
    return 0


def _verify_kernel_curve(args, out):
    from replica.validation import check_int

    from .verify_kernel_curve import verify_kernel_curve

    v = _kernel_curve_settings(args, ("modes", "decay", "target_decay", "ridge", "noise", "P", "kernel", "width",
                                      "pool_size", "pool_dimension"))
    if not any(_split(item)[0] == "modes" for item in args.set or []):
        v["modes"] = 200  # a smaller default than solve's: every size is simulated
    trials = check_int("trials", args.trials if args.trials is not None else 30, 2, 10**5)
    result = verify_kernel_curve(modes=v["modes"], decay=v["decay"], target_decay=v["target_decay"], ridge=v["ridge"],
                                 noise=v["noise"], sizes=v["P"], trials=trials, kernel=v["kernel"], width=v["width"],
                                 pool_size=v["pool_size"], pool_dimension=v["pool_dimension"],
                                 seed=check_int("seed", args.seed, 0, 2**63 - 1))
    p = result["params"]
    sections = [(f"learning curve: M = {p['modes']}, eta_k = k^-{p['decay']:g}, ridge {p['ridge']:g}, noise "
                 f"{p['noise']:g}, Gaussian features", "curve"),
                ("mode errors at the middle size", "modes"),
                (f"interpolation peak: isotropic M = {p['peak_modes']}, ridge 0, noise {p['peak_noise']:g} "
                 f"(exact finite-P means)", "peak"),
                (f"{p['kernel']} kernel, width {p['width']:g}, on {p['pool_size']} points of the sphere in "
                 f"d = {p['pool_dimension']} (Gaussian approximation, allowance 25%)", "pool")]
    return _print_verification(result, sections, args, out, "kernel ridge regression against its learning curve",
                               params={**p, "trials": trials, "seed": int(args.seed)})


#: Settings of the tree committee and parity machines (replica.tree_machine): name -> (default, description, range).
COMMITTEE_SETTINGS = {
    "K": (3, "hidden units (odd for the committee; verify: 1 to 3)", "[1, 10000000]"),
    "rule": ("committee", "output rule", "{committee, parity}"),
    "n": (None, "verify: inputs per hidden unit (repeatable; default 2 and 3; 4 takes minutes per instance)",
          "[1, 4]"),
}


def _committee_settings(args, allowed):
    return _table_settings(args, COMMITTEE_SETTINGS, allowed, whole=("K", "n"), text=("rule",), repeated=("n",))


def _solve_committee(args, out):
    from replica.tree_machine import solve_committee

    v = _committee_settings(args, ("K", "rule"))
    return _print_report(solve_committee(v["K"], v["rule"]), args, out)


def _verify_committee(args, out):
    from replica.validation import check_int

    from .verify_committee import verify_committee

    v = _committee_settings(args, ("K", "rule", "n"))
    trials = check_int("trials", args.trials if args.trials is not None else 20, 2, 10**5)
    result = verify_committee(check_int("K", v["K"], 1, 3), v["rule"], sizes=tuple(v["n"] or (2, 3)), trials=trials,
                              seed=check_int("seed", args.seed, 0, 2**63 - 1))
    if not args.json:
        result.pop("instances")
    return _print_verification(result, [(None, "table")], args, out,
                               f"tree {result['rule']} machine, K = {result['K']}: largest storable prefix P* by exact "
                               f"enumeration of internal representations",
                               params={"K": v["K"], "rule": v["rule"], "n": list(v["n"] or (2, 3)), "trials": trials,
                                       "seed": int(args.seed)})


def _print_verification(result: dict, tables, args, out, header: str, *notes: str, params: dict) -> int:
    """Print a verification ``result`` (with ``status``, ``message`` and DataFrames): one JSON object with ``--json``
    (``model``, ``params``, ``quantities`` — the result's entries that are not tables —, ``status``, ``message``,
    and every DataFrame as a list of records), otherwise the header, the ``tables`` (``(title, key)`` pairs,
    ``title`` ``None`` for none), the notes and the status line. Exit status 0 on success."""
    import pandas as pd

    from replica.serialization import json_safe

    if args.json:
        frames = {key: value.to_dict(orient="records") for key, value in result.items()
                  if isinstance(value, pd.DataFrame)}
        quantities = {key: value for key, value in result.items()
                      if key not in frames and key not in ("status", "message", "params")}
        print(json.dumps(json_safe({"model": args.model, "params": params, "quantities": quantities, **frames,
                                    "status": result["status"], "message": result["message"]})), file=out)
    else:
        print(header, file=out)
        for title, key in tables:
            if title:
                print(title, file=out)
            print(result[key].to_string(index=False, float_format=lambda x: f"{x:.4g}"), file=out)
        for note in notes:
            print(note, file=out)
        print(f"status: {result['status']} ({result['message']})", file=out)
    return 0 if result["status"] == "success" else 1


def _invariant_group(args):
    """The group of ``--set N=... --set step=...`` (cyclic shifts) or ``--set matrices=FILE.npy`` ((|G|, N, N))."""
    import numpy as np

    from replica.invariant import cyclic_shifts

    _check_once(args.set)
    values = {}
    for item in args.set or []:
        name, text = _split(item)
        if name not in ("N", "step", "matrices"):
            raise UsageError(f"{name}: {args.model} takes N and step (cyclic shifts) or matrices=FILE.npy")
        values[name] = text
    if "matrices" in values:
        try:
            return np.load(values["matrices"])
        except (OSError, ValueError, EOFError) as error:
            reason = "the file is empty" if isinstance(error, EOFError) else str(error)
            raise UsageError(f"matrices: cannot read {values['matrices']!r} as a .npy array of shape (|G|, N, N): "
                             f"{reason}") from None
    if "N" not in values:
        raise UsageError("N: invariant needs --set N=VALUE (cyclic shifts of R^N) or --set matrices=FILE.npy")
    numbers = {}
    for name in ("N", "step"):
        try:
            numbers[name] = float(values.get(name, 1))
        except ValueError:
            raise UsageError(f"{name}: must be a whole number; got {values[name]!r}") from None
    n = _whole("N", numbers["N"], 1, 10**4)
    return cyclic_shifts(n, _whole("step", numbers["step"], 1, n))


def _verify_invariant(args, out):
    from replica.validation import check_int

    from .verify_invariant import verify_invariant

    trials = check_int("trials", args.trials if args.trials is not None else 100, 1, 10**6)
    group = _invariant_group(args)
    result = verify_invariant(group, trials=trials, seed=check_int("seed", args.seed, 0, 2**63 - 1))
    settings = dict(_split(item) for item in args.set or [])
    return _print_verification(result, [(None, "table")], args, out,
                               f"invariant readouts: N = {result['N']}, N_0 = {result['N_0']}, P_c = {result['P_c']}",
                               params={**settings, "group_order": len(group), "trials": trials,
                                       "seed": int(args.seed)})


def _cmd_solve(args, out):
    from replica import solve

    if args.model == "invariant":
        from replica.invariant import solve_invariant

        return _print_report(solve_invariant(_invariant_group(args)), args, out)

    if args.model == "lam":
        return _solve_lam(args, out)
    if args.model in ("extensive-width", "extensive-width-scaling"):
        return _solve_extensive_width(args, out)
    if args.model == "kernel-curve":
        return _solve_kernel_curve(args, out)
    if args.model == "committee":
        return _solve_committee(args, out)
    model, rest = _resolve(args.model, args.set)
    params = _parse_settings(rest, model)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the report carries the warnings
        if args.model in FAMILIES:
            from replica.glm import glm_transitions, solve_glm

            prior, channel = model.prior.name, model.channel.name
            if args.model == "glm-transitions":
                report = glm_transitions(prior, channel, **params)
            else:
                if "alpha" not in params:
                    raise UsageError("alpha: glm needs --set alpha=VALUE, the load P/N in (0, inf)")
                report = solve_glm(prior, channel, params.pop("alpha"), **params)
        else:
            report = solve(model, **params)
    return _print_report(report, args, out)


def _print_report(report, args, out):
    if args.json:
        print(json.dumps(report.to_dict()), file=out)
    else:
        print(f"{report.model} {report.params}", file=out)
        for name, value in report.quantities.items():
            print(f"  {name} = {value:.10g}" if isinstance(value, float) else f"  {name} = {value}", file=out)
        print(f"status: {report.status} ({report.message})", file=out)
    return 0 if report.status != "failure" else 1


def _cmd_verify(args, out):
    from replica import get_model
    from replica.validation import check_int

    from .verify import DEFAULTS, verify

    if args.model == "glm":
        return _verify_glm(args, out)
    if args.model == "lam":
        return _verify_lam(args, out)
    if args.model == "extensive-width":
        return _verify_extensive_width(args, out)
    if args.model == "invariant":
        return _verify_invariant(args, out)
    if args.model == "kernel-curve":
        return _verify_kernel_curve(args, out)
    if args.model == "committee":
        return _verify_committee(args, out)
    try:
        model = get_model(args.model)
    except ValueError:
        raise _unknown_model(args.model) from None
    if model.name not in DEFAULTS:
        raise UsageError(f"model: verification is available for: {', '.join([*DEFAULTS, *OTHER_VERIFIERS])}; "
                         f"got {model.name!r}")
    _check_once(args.set)
    params = _parse_settings(args.set, model)
    if "alpha" in params:
        raise UsageError("alpha: verify estimates the critical load itself; set only kappa")
    default_sizes, default_trials = DEFAULTS[model.name]
    ns = [check_int("n", n, 1, 100000) for n in (args.n or default_sizes)]
    trials = check_int("trials", args.trials if args.trials is not None else default_trials, 1, 10**6)
    seed = check_int("seed", args.seed, 0, 2**63 - 1)
    jobs = check_int("jobs", args.jobs, -1, 512)
    if jobs == 0:
        raise UsageError("jobs: must be -1 (all cores) or a whole number in [1, 512]; got 0")
    if args.resume and not args.store:
        raise UsageError("resume: needs --store FILE, the record of the sweep to continue")
    from .programs import available_solvers

    solver = args.solver.upper()
    if solver not in available_solvers():
        raise UsageError(f"solver: must be one of {', '.join(available_solvers())}; got {args.solver!r}")
    if args.plot:
        _check_plot_path(args.plot)  # before the sweep: an output error must not cost the computation
    verification = verify(model.name, params.get("kappa", 0.0), ns, trials, seed=seed, n_jobs=jobs, solver=solver,
                          progress=not args.json, store=args.store, resume=args.resume, scheduler=args.scheduler)
    result = verification.to_dict()
    plot_error = None
    if args.plot:  # results are printed whatever happens to the figure
        try:
            import matplotlib

            matplotlib.use("Agg")
            verification.plot().savefig(args.plot, dpi=120, bbox_inches="tight")
            result["plot"] = args.plot
        except (OSError, ValueError) as error:
            plot_error = f"the plot was not written to {args.plot}: {error}"
            result["plot_error"] = plot_error
    if args.json:
        print(json.dumps(result), file=out)
    else:
        print(f"{model.name}, kappa = {verification.params['kappa']:g}, seed {seed}", file=out)
        for e in verification.estimates:
            print(f"  N = {e.n:5d}: median critical load {e.estimate:.4f} [{e.lower:.4f}, {e.upper:.4f}] "
                  f"({e.trials} instances, {e.doubtful} doubtful)", file=out)
        x = verification.extrapolation
        print(f"  N -> inf ({x.method}): {x.alpha_inf:.4f} [{x.lower:.4f}, {x.upper:.4f}]", file=out)
        print(f"status: {verification.status} ({verification.message})", file=out)
        if args.plot:
            print(plot_error or f"plot written to {args.plot}", file=out)
    if plot_error:
        print(f"replica: error: {plot_error}", file=sys.stderr)
        return 1
    return 0 if verification.status != "failure" else 1


def _check_plot_path(path) -> None:
    """Refuse, before any computation, a figure path whose folder does not exist or whose format matplotlib cannot
    write."""
    from pathlib import Path

    from matplotlib.backend_bases import FigureCanvasBase

    target = Path(path)
    formats = FigureCanvasBase.get_supported_filetypes()
    suffix = target.suffix.lstrip(".").lower()
    if suffix not in formats:
        raise UsageError(f"plot: the file name must end in one of {', '.join('.' + f for f in sorted(formats))}; "
                         f"got {path!r}")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise UsageError(f"plot: the folder {str(folder)!r} does not exist; create it first")
    if not os.access(folder, os.W_OK):
        raise UsageError(f"plot: the folder {str(folder)!r} is not writable")


def _verify_lam(args, out):
    from replica.validation import check_int

    from .programs import available_solvers
    from .verify_lam import lam_agreement, lam_thresholds, summarise_thresholds

    values = _lam_settings(args.set, {k: v for k, v in LAM_SETTINGS.items() if k != "samples"}, ("d", "h"))
    dimensions = [_whole("d", d, 2, 200) for d in values.get("d", [5, 10, 15])]
    kappa = values.get("kappa", [0.0])[-1]
    trials = check_int("trials", args.trials if args.trials is not None else 10, 2, 10**6)
    seed = check_int("seed", args.seed, 0, 2**63 - 1)
    jobs = check_int("jobs", args.jobs, -1, 512)
    solver = args.solver.upper()
    if solver not in available_solvers():
        raise UsageError(f"solver: must be one of {', '.join(available_solvers())}; got {args.solver!r}")
    from .store import TrialStore

    if args.resume and not args.store:
        raise UsageError("resume: needs --store FILE, the record of the sweep to continue")
    experiment = {"model": "lam", "kappa": kappa, "seed": seed, "decoupled": args.decoupled, "solver": solver}
    if "h" in values:
        return _verify_two_layer(args, out, values, dimensions, kappa, trials, seed, solver, jobs, experiment)
    store = TrialStore(args.store, experiment, resume=args.resume) if args.store else None
    thresholds = lam_thresholds(dimensions, kappa=kappa, trials=trials, decoupled=args.decoupled, seed=seed,
                                solver=solver, n_jobs=jobs, progress=not args.json, store=store)
    summary = summarise_thresholds(thresholds, seed=seed)
    agree, message = lam_agreement(summary)
    if args.json:
        from replica.serialization import json_safe

        print(json.dumps(json_safe({
            "model": "lam", "params": {"d": dimensions, "kappa": kappa, "decoupled": args.decoupled, "trials": trials,
                                       "seed": seed, "solver": solver},
            "quantities": {"agree": agree, "d": summary.d.tolist(), "p_c_measured": summary.p_star.tolist(),
                           "p_c_theory": summary.theory_p_c.tolist()},
            "summary": summary.to_dict(orient="records"), "instances": thresholds.to_dict(orient="records"),
            "agree": agree, "status": "success" if agree else "failure", "message": message})), file=out)
    else:
        model = "decoupled" if args.decoupled else "original (shared competitors)"
        print(f"linear associative memory, {model} model, kappa = {kappa:g}, seed {seed}", file=out)
        print(summary.to_string(index=False, float_format=lambda v: f"{v:.4g}"), file=out)
        print(f"status: {'success' if agree else 'failure'} ({message})", file=out)
    return 0 if agree else 1


def _verify_two_layer(args, out, values, dimensions, kappa, trials, seed, solver, jobs, experiment):
    from .store import TrialStore
    from .two_layer_memory import summarise_two_layer, two_layer_thresholds

    if len(dimensions) != 1:
        raise UsageError(f"d: the two-layer memory is verified at one d at a time; got {dimensions}")
    d = dimensions[0]
    widths = [_whole("h", h, 1, d) for h in values["h"]]
    experiment = {**experiment, "model": "lam-two-layer", "d": d}
    store = TrialStore(args.store, experiment, resume=args.resume) if args.store else None
    thresholds = two_layer_thresholds(d, widths, kappa=kappa, trials=trials, decoupled=args.decoupled, seed=seed,
                                      solver=solver, n_jobs=jobs, progress=not args.json, store=store)
    summary = summarise_two_layer(thresholds)
    consistent = bool((thresholds.p_star_full.isna() | (thresholds.p_witness < thresholds.p_star_full)).all()
                      and (thresholds.full_outcome == "certified").all())
    message = ("empirical only (no theory for 1 < h < d): p_witness is a certified lower bound (an explicit "
               "rank-h memory stores that many), one_layer_p_star the certified one-layer threshold (an upper bound)")
    if not consistent:
        message = "a one-layer threshold was not certified or a witness exceeded it; " + message
    if args.json:
        print(json.dumps({"model": "lam", "params": {"d": d, "h": widths, "kappa": kappa, "decoupled": args.decoupled,
                                                     "trials": trials, "seed": seed, "solver": solver},
                          "quantities": {"consistent": consistent},
                          "summary": summary.to_dict(orient="records"),
                          "instances": thresholds.to_dict(orient="records"),
                          "status": "success" if consistent else "failure", "message": message}), file=out)
    else:
        model = "decoupled" if args.decoupled else "original (shared competitors)"
        print(f"two-layer linear memory W2 W1, {model} model, d = {d}, kappa = {kappa:g}, seed {seed}", file=out)
        print(summary.to_string(index=False, float_format=lambda v: f"{v:.4g}"), file=out)
        print(f"status: {'success' if consistent else 'failure'} ({message})", file=out)
    return 0 if consistent else 1


def _verify_glm(args, out):
    from replica.validation import check_int

    from .verify_glm import verify_glm

    model, rest = _resolve("glm", args.set)
    params = _parse_settings(rest, model)
    if "alpha" not in params:
        raise UsageError("alpha: verify glm needs --set alpha=VALUE, the load P/N in (0, inf)")
    if args.n and len(args.n) != 1:
        raise UsageError(f"n: verify glm runs GAMP at one size; got {args.n}")
    n = check_int("n", args.n[0] if args.n else 2000, 10, 10**6)
    trials = check_int("trials", args.trials if args.trials is not None else 8, 2, 10**4)
    seed = check_int("seed", args.seed, 0, 2**63 - 1)
    verification = verify_glm(model.prior.name, model.channel.name, params.pop("alpha"), n=n, trials=trials,
                              seed=seed, **params)
    if args.json:
        print(json.dumps({"model": "glm", "quantities": {"amp_overlap": verification.amp_overlap,
                                                         "amp_standard_error": verification.amp_standard_error,
                                                         "agree": verification.agree},
                          **verification.to_dict()}), file=out)
    else:
        print(f"{model.name}, {verification.params}", file=out)
        print(verification.trajectory.to_string(index=False, float_format=lambda v: f"{v:.4f}"), file=out)
        if verification.erm is not None:
            print(verification.erm.to_string(index=False, float_format=lambda v: f"{v:.4f}"), file=out)
        print(f"status: {verification.status} ({verification.message})", file=out)
    return 0 if verification.agree else 1


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="replica", description="Replica saddle points, capacities and their verification.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("models", help="list the models and their parameters")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("derive", help="print the derived free entropy and saddle-point equations")
    p.add_argument("model")
    p.add_argument("--model-file", action="append", metavar="FILE.py",
                   help="a Python file that declares and registers models (replica.register); repeatable")
    p.add_argument("--latex", action="store_true", help="print LaTeX")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help="prior=... / channel=... for glm")
    p = sub.add_parser("solve", help="capacity, stability and (with alpha) the saddle point")
    p.add_argument("model")
    p.add_argument("--model-file", action="append", metavar="FILE.py",
                   help="a Python file that declares and registers models (replica.register); repeatable")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help="a model parameter (repeatable)")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("verify", help="check the theory against certified convex programs at finite N")
    p.add_argument("model")
    p.add_argument("--model-file", action="append", metavar="FILE.py",
                   help="a Python file that declares and registers models (replica.register); repeatable")
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help="a model parameter, e.g. kappa=0.5")
    p.add_argument("--n", nargs="+", metavar="N", help="sizes N (default: 25 50 100 for gardner and "
                                                       "sign-perceptron, 12 16 20 by enumeration for "
                                                       "ising-perceptron)")
    p.add_argument("--trials", help="instances per size (default 100)")
    p.add_argument("--seed", default=0, help="seed of the experiment")
    p.add_argument("--jobs", default=-1, help="parallel workers (-1: all cores)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--plot", metavar="FILE", help="write the comparison figure to FILE")
    p.add_argument("--store", metavar="FILE", help="record every finished instance in FILE (JSON lines)")
    p.add_argument("--resume", action="store_true", help="continue the sweep recorded in --store FILE")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on the Dask cluster at ADDRESS (tcp://host:8786)")
    p.add_argument("--solver", default="NNLS", help="NNLS (default: least-distance active set) or a cvxpy solver "
                                                    "such as CLARABEL or HIGHS")
    p.add_argument("--decoupled", action="store_true",
                   help="lam: each input gets its own competitors (the model the theory solves)")
    return parser


def _load_model_files(paths) -> None:
    """Run each ``--model-file``: the models it registers with :func:`replica.register` join the catalogue."""
    for path in paths or []:
        if not os.path.isfile(path):
            raise UsageError(f"model-file: no such file {path!r}")
        try:
            runpy.run_path(path, run_name="replica_model_file")
        except Exception as error:  # the user's own code: report it on one line, naming the file
            raise UsageError(f"model-file: running {path!r} raised {type(error).__name__}: {error}") from None


def main(argv=None) -> int:
    commands = {"models": _cmd_models, "derive": _cmd_derive, "solve": _cmd_solve, "verify": _cmd_verify}
    args = None
    try:
        args = _build_parser().parse_args(argv)
        _load_model_files(getattr(args, "model_file", None))
        if getattr(args, "json", False):
            with redirect_native_stdout(2) as out:  # solver banners to stderr, JSON to stdout
                return commands[args.command](args, out)
        return commands[args.command](args, sys.stdout)
    except UsageError as error:
        print(f"replica: error: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        from replica.errors import ReplicaError  # imported here: `replica --help` must not load the engine

        if isinstance(error, ValueError):  # ParameterError and other invalid values: a usage error
            print(f"replica: error: {error}", file=sys.stderr)
            return 2
        if isinstance(error, ReplicaError):
            print(f"replica: error: {error}", file=sys.stderr)
            return 1
        raise
    except KeyboardInterrupt:
        store = getattr(args, "store", None)
        if store:
            print(f"replica: interrupted; every finished instance is recorded in {store}: run the same command "
                  "with --resume to continue", file=sys.stderr)
        elif getattr(args, "command", None) == "verify":
            print("replica: interrupted; nothing was recorded (give --store FILE to make a sweep resumable)",
                  file=sys.stderr)
        else:
            print("replica: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
