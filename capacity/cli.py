"""The ``replica`` command line: ``models``, ``derive``, ``solve``, ``verify``.

Every command reads the family registry (:mod:`replica.models.family`) and, for ``verify``, the check registry
(:mod:`capacity.checks`); nothing here is specific to a family. ``--set NAME=VALUE`` gives a parameter declared by
the family (or its check), parsed and range-checked by its :class:`~replica.parameters.ParameterSpec`.

Exit status: 0 for ``success`` or ``warning``, 1 for ``failure`` (no trustworthy number, or theory and experiment
disagree) or an error of the computation, 2 for bad input (unknown model, non-numeric or out-of-range parameter,
a flag the check does not take), always with one line naming the parameter and its allowed range. With ``--json``
standard output carries exactly one JSON object (solver banners are sent to standard error) and no progress bar is
shown.
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


def _settings(items) -> dict[str, list[str]]:
    """``--set NAME=VALUE`` items as texts per name (a parameter given twice is refused by its declaration)."""
    texts: dict[str, list[str]] = {}
    for item in items or []:
        if "=" not in item:
            raise UsageError(f"--set expects NAME=VALUE; got {item!r}")
        name, text = item.split("=", 1)
        texts.setdefault(name.strip(), []).append(text.strip())
    return texts


def _family(name):
    from replica.models.family import get_family

    return get_family(name)


def _cmd_models(args, out):
    from replica.models.family import available_families

    from .checks import available_checks

    checks = {check.family: check for check in available_checks()}
    rows = []
    for family in available_families():
        row = family.to_dict()
        check = checks.get(family.name)
        row["check"] = None if check is None else {
            "summary": check.summary, "parameters": [spec.to_dict() for spec in check.parameters],
            "settings": [spec.to_dict() for spec in check.settings]}
        rows.append(row)
    if args.json:
        print(json.dumps(rows), file=out)
        return 0
    for row in rows:
        print(f"{row['model']}: {row['summary']}", file=out)
        print(f"    {row['reference']}", file=out)
        for p in row["parameters"]:
            print(f"    --set {p['name']}=...  {_describe(p)}", file=out)
        check = row["check"]
        if check:
            print(f"    verify: {check['summary']}", file=out)
            own = {p["name"]: p for p in row["parameters"]}
            for p in check["parameters"]:  # the check's parameters where they differ from the family's
                if own.get(p["name"]) != p:
                    print(f"      --set {p['name']}=...  {_describe(p)}", file=out)
            flags = [f"{_SETTING_FLAGS[p['name']]}" + (f" (default {_value(p['default'])})" if p["default"] not in
                                                        (None, False) else "") for p in check["settings"]]
            print(f"      {', '.join(flags)}", file=out)
    return 0


def _value(default) -> str:
    return " ".join(map(str, default)) if isinstance(default, (list, tuple)) else f"{default}"


def _describe(p: dict) -> str:
    default = p["default"]
    default = "" if default is None else f", default {default:g}" if isinstance(default, float) else \
        f", default {_value(default)}"
    return f"{p['description']}; {p['range']}{default}" + (" (repeatable)" if p["repeatable"] else "")


def _cmd_derive(args, out):
    family = _family(args.model)
    values = {name: family.parameter(name).parse(texts) for name, texts in _settings(args.set).items()}
    equations = family.derive(**values)
    if args.latex:
        print(equations.latex(), file=out)
        return 0
    print(f"{family.name}: {family.summary}", file=out)
    print(equations.text(), file=out)
    return 0


def _cmd_solve(args, out):
    from replica.progress import progress_shown

    family = _family(args.model)
    params = family.check(_settings(args.set), parse=True)
    with warnings.catch_warnings(), progress_shown(not args.json):
        warnings.simplefilter("ignore")  # the report carries the warnings
        report = family.call(params)
    return _print_report(report, args, out)


def _print_quantities(quantities: dict, out, indent: str = "  ") -> None:
    """Scalars one per line; lists of one common length (a curve) as one table."""
    columns = {name: value for name, value in quantities.items() if isinstance(value, list) and len(value) > 1}
    if len({len(v) for v in columns.values()}) != 1:
        columns = {}
    for name, value in quantities.items():
        if name not in columns:
            print(f"{indent}{name} = {value:.10g}" if isinstance(value, float) else f"{indent}{name} = {value}",
                  file=out)
    if columns:
        import pandas as pd

        table = pd.DataFrame(columns).to_string(index=False, float_format=lambda x: f"{x:.5g}")
        print("\n".join(indent + line for line in table.splitlines()), file=out)


def _print_report(report, args, out) -> int:
    """One printer for every family's report."""
    if args.json:
        print(json.dumps(report.to_dict()), file=out)
    else:
        print(f"{report.model} {report.params}", file=out)
        _print_quantities(report.quantities, out)
        print(f"status: {report.status} ({report.message})", file=out)
    return 0 if report.status != "failure" else 1


#: Command-line flags of ``verify`` that are settings of the check (:data:`capacity.checks.COMMON_SETTINGS`).
_SETTING_FLAGS = {"n": "--n", "trials": "--trials", "seed": "--seed", "solver": "--solver", "decoupled": "--decoupled",
                  "method": "--method"}


def _cmd_verify(args, out):
    from replica.parameters import integer
    from replica.progress import progress_shown

    from .checks import Execution, get_check

    family = _family(args.model)
    check = get_check(family.name)
    given = {"n": args.n, "trials": None if args.trials is None else [args.trials],
             "seed": None if args.seed is None else [args.seed],
             "solver": None if args.solver is None else [args.solver.upper()],
             "decoupled": ["true"] if args.decoupled else None,
             "method": None if args.method is None else [args.method.lower()]}
    taken = ", ".join(_SETTING_FLAGS[s.name] for s in check.settings) or "no settings"
    for name, value in given.items():
        if value is not None and not check.takes(name):
            raise UsageError(f"{_SETTING_FLAGS[name].lstrip('-')}: verify {family.name} does not take "
                             f"{_SETTING_FLAGS[name]} (it takes {taken})")
    if args.plot and not check.figure:
        raise UsageError(f"plot: verify {family.name} draws no figure")
    params, settings = check.check(_settings(args.set), {k: v for k, v in given.items() if v is not None},
                                   parse=True)
    jobs = integer("jobs", "parallel workers", low=-1, high=512).parse([args.jobs]) if args.jobs is not None else -1
    execution = Execution(n_jobs=jobs, progress=not args.json, store=args.store, resume=args.resume,
                          scheduler=args.scheduler)
    if args.plot:
        _check_plot_path(args.plot)  # before the sweep: an output error must not cost the computation
    with progress_shown(not args.json):   # the theory's own loops (the sweep's bar follows ``execution``)
        verification = check.call(params, settings, execution)
    return _print_verification(verification, args, out)


def _print_verification(verification, args, out) -> int:
    """One printer for every check: the settings, theory and estimate, the tables, the verdict; and the figure."""
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
        print(f"{verification.model} {verification.params}", file=out)
        for title, values in (("theory", verification.theory), ("experiment", verification.estimate)):
            print(f"{title}:", file=out)
            _print_quantities(values, out)
        for name, table in verification.tables.items():
            if name == "instances":
                print(f"instances: {len(table)} (every one with --json)", file=out)
                continue
            print(f"{name}:", file=out)
            print(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"), file=out)
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


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="replica", description="Replica saddle points, capacities and their verification.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("models", help="list the models, their parameters and checks")
    p.add_argument("--json", action="store_true")
    for name, text in (("derive", "print the equations a model solves (derived free entropy and saddle point)"),
                       ("solve", "the model's answer at its parameters (capacity, saddle point, errors, ...)"),
                       ("verify", "check the theory against certified finite-size experiments")):
        p = sub.add_parser(name, help=text)
        p.add_argument("model")
        p.add_argument("--model-file", action="append", metavar="FILE.py",
                       help="a Python file that declares and registers models (replica.register); repeatable")
        p.add_argument("--set", action="append", metavar="NAME=VALUE",
                       help="a parameter (`replica models` lists them); repeat --set for each")
        if name == "derive":
            p.add_argument("--latex", action="store_true", help="print LaTeX")
        else:
            p.add_argument("--json", action="store_true")
    p.add_argument("--n", nargs="+", metavar="N", help="sizes N (checks that take them; `replica models` shows "
                                                       "the defaults)")
    p.add_argument("--trials", help="instances per size")
    p.add_argument("--seed", help="seed of the experiment (default 0)")
    p.add_argument("--jobs", help="parallel workers (default -1: all cores)")
    p.add_argument("--plot", metavar="FILE", help="write the comparison figure to FILE")
    p.add_argument("--store", metavar="FILE", help="record every finished instance in FILE (JSON lines)")
    p.add_argument("--resume", action="store_true", help="continue the sweep recorded in --store FILE")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on the Dask cluster at ADDRESS (tcp://host:8786)")
    p.add_argument("--solver", help="convex solver: NNLS (the certified least-distance program; an interior point "
                                    "first on large instances) or a cvxpy solver such as CLARABEL or HIGHS, as the "
                                    "check allows")
    p.add_argument("--decoupled", action="store_true",
                   help="checks that take it (`replica models`): each input gets its own competitors")
    p.add_argument("--method", help="checks with several experiments: which one to run, as the check allows "
                                    "(`replica models` lists its settings)")
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
