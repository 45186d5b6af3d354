"""The ``glasslib`` command: ``book``, ``pdf``, ``publish``, ``lab``, ``explore``, ``simulate``, ``results``, ``runs``, ``bench``, ``devices`` and ``profiles``.

Every subcommand resolves its profile first, so a wrong profile name, key or value stops with a
message listing the valid choices before anything is started.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from glasslib.bench import BENCHES
from glasslib.book.interactive import EXPLORE_PORT, LAB_PORT, SessionError
from glasslib.book.pdf import PdfError
from glasslib.book.publish import PublishError
from glasslib.cluster import ClusterError
from glasslib.models.devices import DeviceError
from glasslib.profiles import DEFAULT_PROFILE, PROFILES, ProfileError, get_profile, parse_overrides


def _profile_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", default=DEFAULT_PROFILE, help=f"scale to run at: {', '.join(PROFILES)} (default {DEFAULT_PROFILE})")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one profile parameter (repeatable); `glasslib profiles` lists them",
    )


def _resolve(args: argparse.Namespace):
    return get_profile(args.profile, parse_overrides(args.overrides))


def _check_scheduler(scheduler: str | None) -> None:
    """Connect to ``--scheduler`` before starting anything (a clear error within seconds if it does not answer)."""
    if scheduler is not None:
        from glasslib.cluster import check_scheduler

        print(check_scheduler(scheduler), flush=True)


def _scheduler_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS_OR_FILE",
        help="Dask scheduler address (tcp://host:8786) or scheduler file (.json) where the heavy steps run; default a LocalCluster",
    )


def cmd_simulate(args: argparse.Namespace) -> int:
    """Run or resume a simulation campaign and print where it wrote."""
    from glasslib.simulation.campaign import run_campaign

    profile = _resolve(args)
    _check_scheduler(args.scheduler)
    schedules = ("slow", "fast") if args.schedule == "all" else (args.schedule,)
    report = run_campaign(profile, run_dir=args.out, runs=args.runs, schedules=schedules, scheduler=args.scheduler)
    print(report.summary())
    print(f"wrote: {report.run_dir}")
    return 0


def cmd_book(args: argparse.Namespace) -> int:
    """Execute every notebook with papermill and build the HTML book."""
    from glasslib.book.runner import build_book

    profile = _resolve(args)
    if not args.no_execute:
        _check_scheduler(args.scheduler)
    html = build_book(
        profile,
        overrides=parse_overrides(args.overrides),
        run_dir=args.run_dir,
        build_dir=args.build_dir,
        only=args.only,
        execute=not args.no_execute,
        scheduler=args.scheduler,
        verbose=args.verbose,
    )
    print(f"book: {html / 'index.html'}")
    return 0


def cmd_pdf(args: argparse.Namespace) -> int:
    """Print the built HTML book to one PDF."""
    from glasslib.book.pdf import build_pdf
    from glasslib.book.runner import project_root

    print(f"pdf: {build_pdf(args.build_dir or project_root() / '_build', args.out)}")
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """Commit the built HTML book to a gh-pages branch and push it."""
    from glasslib.book.publish import publish
    from glasslib.book.runner import project_root

    root = project_root()
    html = (args.build_dir or root / "_build") / "html"
    commit = publish(html, root, remote=None if args.no_push else args.remote, branch=args.branch)
    where = "committed" if args.no_push else f"pushed to {args.remote}"
    print(f"published: {html} as {args.branch} {commit[:12]} ({where})")
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    """JupyterLab on the chapters, its kernels wired to the profile's run directory, until Ctrl-C."""
    from glasslib.book import interactive
    from glasslib.book.runner import project_root

    profile = _resolve(args)
    run_dir = args.run_dir or profile.run_dir()
    interactive.check_port(args.port)
    token = interactive.token()
    command = interactive.lab_command(project_root() / "notebooks", args.port, token, open_browser=args.browser)
    print(f"JupyterLab for profile {profile.label}, run directory {Path(run_dir).resolve()}")
    address = f"http://127.0.0.1:{args.port}/lab?token={token}"
    return interactive.serve(command, interactive.session_environment(profile, run_dir), args.port, address, "JupyterLab")


def cmd_explore(args: argparse.Namespace) -> int:
    """The live attention explorer as a page of its own (Voilà), until Ctrl-C."""
    from glasslib.book import interactive

    profile = _resolve(args)
    run_dir = args.run_dir or profile.run_dir()
    interactive.check_port(args.port)
    print(f"attention explorer for profile {profile.label}, run directory {Path(run_dir).resolve()}")
    address = f"http://127.0.0.1:{args.port}/"
    environment = interactive.session_environment(profile, run_dir)
    return interactive.serve(interactive.explore_command(args.port), environment, args.port, address, "the attention explorer")


def cmd_parametrise(args: argparse.Namespace) -> int:
    """Write the notebooks with the profile injected, unexecuted (what the test suite's nbval runs)."""
    from glasslib.book.runner import parametrise_notebooks

    profile = _resolve(args)
    written = parametrise_notebooks(profile, args.out, parse_overrides(args.overrides), args.run_dir)
    print(f"wrote {len(written)} notebooks to {args.out}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Print speed figures of one benchmark (``glasslib.bench.BENCHES``)."""
    from glasslib.bench import bench_module

    bench_module(args.what).main(_resolve(args), steps=args.steps)
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    """Print the run's headline numbers as one JSON document (absent chapters are absent keys)."""
    from glasslib.book.console import quiet_runtime_chatter
    from glasslib.report.results import results_json

    with quiet_runtime_chatter():  # reading the CNN's results loads TensorFlow, which talks on stderr
        document = results_json(_resolve(args), args.run_dir)
    print(document)
    return 0


def cmd_runs(args: argparse.Namespace) -> int:
    """List a run directory's variants (product, settings, size), or remove one (``--remove VARIANT``)."""
    from glasslib.run_variants import VariantError, remove_variant, variants_table

    profile = _resolve(args)
    run_dir = Path(args.run_dir or profile.run_dir())
    if not run_dir.is_dir():
        print(f"glasslib: error: {run_dir} does not exist: no run of profile {profile.label} is stored there", file=sys.stderr)
        return 2
    if args.remove is None:
        print(variants_table(run_dir, profile))
        return 0
    try:
        removed = remove_variant(run_dir, args.remove)
    except VariantError as err:
        print(f"glasslib: error: {err}", file=sys.stderr)
        return 2
    print("\n".join(f"removed {path}" for path in removed))
    return 0


def cmd_devices(args: argparse.Namespace) -> int:
    """Print what torch and TensorFlow see (GPUs, CUDA builds) and where each network would train."""
    from glasslib.book.console import quiet_runtime_chatter
    from glasslib.models.devices import device_report

    with quiet_runtime_chatter():
        lines = device_report()
    print("\n".join(lines))
    return 0


def cmd_profiles(args: argparse.Namespace) -> int:
    """Print every profile parameter side by side."""
    from glasslib.book.profile_table import profile_table

    print(profile_table(_resolve(args)).to_string())
    return 0


def _server_parser(sub: argparse._SubParsersAction, name: str, help_text: str, port: int) -> argparse.ArgumentParser:
    """A subcommand that serves pages for a profile's run directory on a local port."""
    parser = sub.add_parser(name, help=help_text)
    _profile_arguments(parser)
    parser.add_argument("--run-dir", type=Path, default=None, help="run directory (default runs/<profile>)")
    parser.add_argument("--port", type=int, default=port, help=f"local port (default {port})")
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``glasslib``."""
    parser = argparse.ArgumentParser(prog="glasslib", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    book = sub.add_parser("book", help="execute the notebooks (papermill) and build the HTML book")
    _profile_arguments(book)
    book.add_argument("--run-dir", type=Path, default=None, help="run directory (default runs/<profile>)")
    book.add_argument("--build-dir", type=Path, default=None, help="where _build/html goes (default: project _build)")
    book.add_argument("--only", nargs="*", default=None, help="notebook name prefixes to execute, e.g. 01 02")
    book.add_argument("--no-execute", action="store_true", help="build from the last executed notebooks")
    book.add_argument("--verbose", action="store_true", help="show every heavy step's progress bar, not only each chapter's")
    _scheduler_argument(book)
    book.set_defaults(func=cmd_book)

    pdf = sub.add_parser("pdf", help="print the built HTML book to one PDF (headless Chromium; no downloads)")
    pdf.add_argument("--build-dir", type=Path, default=None, help="the book's build folder (default: project _build)")
    pdf.add_argument("--out", type=Path, default=None, help="the PDF (default <build-dir>/glasslib-book.pdf)")
    pdf.set_defaults(func=cmd_pdf)

    publish = sub.add_parser("publish", help="commit the built HTML book to a gh-pages branch (ghp-import) and push it")
    publish.add_argument("--build-dir", type=Path, default=None, help="the book's build folder (default: project _build)")
    publish.add_argument("--remote", default="origin", help="git remote to push to (default origin)")
    publish.add_argument("--branch", default="gh-pages", help="branch the HTML goes to (default gh-pages)")
    publish.add_argument("--no-push", action="store_true", help="commit the branch only")
    publish.set_defaults(func=cmd_publish)

    lab = _server_parser(sub, "lab", "JupyterLab on the chapters, wired to the profile's run directory (Ctrl-C stops it)", LAB_PORT)
    lab.add_argument("--browser", action="store_true", help="also open a web browser on it")
    lab.set_defaults(func=cmd_lab)
    explore = _server_parser(
        sub, "explore", "serve chapter 06's live attention explorer as a page of its own (Ctrl-C stops it)", EXPLORE_PORT
    )
    explore.set_defaults(func=cmd_explore)

    parametrise = sub.add_parser("parametrise", help="write the notebooks with a profile injected, unexecuted (for nbval)")
    _profile_arguments(parametrise)
    parametrise.add_argument("--out", type=Path, required=True, help="folder for the notebooks")
    parametrise.add_argument("--run-dir", type=Path, default=None, help="run directory the notebooks use")
    parametrise.set_defaults(func=cmd_parametrise)

    simulate = sub.add_parser("simulate", help="run or resume a LAMMPS simulation campaign")
    _profile_arguments(simulate)
    simulate.add_argument("--runs", type=int, default=None, help="runs per schedule (default: the profile's)")
    simulate.add_argument("--schedule", choices=["all", "slow", "fast"], default="all")
    _scheduler_argument(simulate)
    simulate.add_argument("--out", type=Path, default=None, help="run directory (default runs/<profile>)")
    simulate.set_defaults(func=cmd_simulate)

    bench = sub.add_parser("bench", help="print speed figures")
    bench.add_argument("what", choices=list(BENCHES), help="; ".join(f"{name}: {what}" for name, (_, what) in BENCHES.items()))
    _profile_arguments(bench)
    bench.add_argument("--steps", type=int, default=None, help="MD steps to time (default: the profile's slow ramp)")
    bench.set_defaults(func=cmd_bench)

    results = sub.add_parser("results", help="print the run's headline numbers (Tg, AUCs, metrics, claims) as JSON")
    _profile_arguments(results)
    results.add_argument("--run-dir", type=Path, default=None, help="run directory (default runs/<profile>)")
    results.set_defaults(func=cmd_results)

    runs = sub.add_parser("runs", help="list a run directory's variants (default run and batch runs with overrides) or remove one")
    _profile_arguments(runs)
    runs.add_argument("--run-dir", type=Path, default=None, help="run directory (default runs/<profile>)")
    runs.add_argument(
        "--remove", metavar="VARIANT", default=None, help="remove every product of this variant (the names `glasslib runs` lists)"
    )
    runs.set_defaults(func=cmd_runs)

    devices = sub.add_parser("devices", help="print the GPUs torch and TensorFlow see and where each network trains (GLASSLIB_DEVICE)")
    devices.set_defaults(func=cmd_devices)

    profiles = sub.add_parser("profiles", help="list every profile parameter beside the paper's value")
    _profile_arguments(profiles)
    profiles.set_defaults(func=cmd_profiles)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``glasslib`` console script."""
    args = build_parser().parse_args(argv)
    if getattr(args, "runs", None) is not None and args.runs < 1:
        print("glasslib: error: --runs must be a positive integer", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except ProfileError as err:
        print(f"glasslib: error: {err}", file=sys.stderr)
        return 2
    except (SessionError, ClusterError, DeviceError, PdfError, PublishError) as err:
        print(f"glasslib: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
