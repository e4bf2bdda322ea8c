"""The ``dlcv`` command: build the labs, run a notebook's self-checks, grade submissions."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from . import __version__

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from .grade.batch import BatchOutcome
    from .grade.cluster import Scheduler
    from .grade.results import Results
    from .grade.submissions import Submission

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_UNGRADABLE = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it

_EXIT_CODES = """exit codes (each command's --help lists its own):
  0  success
  1  build: stale files (--check) or a failed build; check: a self-check failed
  2  usage error: bad arguments, a path that is missing or not a notebook, an unknown lab or exercise
  3  grade finished, but some submissions could not be graded (see their results.json)"""
_BUILD_CODES = """exit codes:
  0  every lab built (or, with --check, every generated file is current)
  1  --check found stale files (listed), or a template is wrong or a solution notebook failed to execute
     (nothing of that lab is written)
  2  usage error: an unknown --lab, or no instructor's repository here"""
_CHECK_CODES = """exit codes:
  0  every self-check passed
  1  some self-check failed, or could not run (a cell with a syntax error)
  2  usage error: the file is missing or not a notebook, or it has no self-checks of --exercise"""
_GRADE_CODES = """exit codes:
  0  every submission was graded (its score may still be 0)
  1  --scheduler: the Dask cluster was lost during the batch (what was graded is kept; rerun to resume)
  2  usage error: a missing path, no submission found, an unknown --lab, a malformed --scheduler, or a
     scheduler that cannot be reached
  3  grading finished, but some files could not be graded (their results.json and the summary say why)"""


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _plain(text: str, stream: TextIO) -> str:
    """``text`` without terminal colour codes unless ``stream`` is a terminal (a kernel's tracebacks carry them)."""
    return text if stream.isatty() else _ANSI.sub("", text)


def _cmd_build(args: argparse.Namespace) -> int:
    from .build.builder import build
    from .build.execute import ExecutionError
    from .build.notebook import TemplateError
    from .build.regions import RegionError
    from .course import all_lab_ids, select_labs
    from .project import find_project

    project = find_project(args.root)
    selected = select_labs(all_lab_ids(), args.lab)
    try:
        report = build(project, selected, list_stale=args.check, force=args.force,
                       progress=(lambda line: None) if args.check else (lambda line: print(line, file=sys.stderr)))
    except (TemplateError, RegionError, ExecutionError) as error:
        print(f"dlcv build: {_plain(str(error), sys.stderr)}", file=sys.stderr)
        return EXIT_FAILED
    if args.check:
        if report.stale:
            print("stale (run `dlcv build`):")
            for path in report.stale:
                print(f"  {path}")
            return EXIT_FAILED
        print(f"up to date: {len(report.unchanged)} generated files")
        return EXIT_OK
    for path in report.written:
        print(f"wrote {path}")
    print(f"{len(report.written)} written, {len(report.unchanged)} unchanged")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from .check import SelfCheckUsageError, run_notebook_self_checks

    path = Path(args.notebook)
    if not path.is_file():
        print(f"dlcv check: {path} is not a file", file=sys.stderr)
        return EXIT_USAGE
    try:
        return EXIT_OK if run_notebook_self_checks(path, args.exercise) else EXIT_FAILED
    except SelfCheckUsageError as error:
        print(f"dlcv check: {error}", file=sys.stderr)
        return EXIT_USAGE


_EXPORT_CODES = """exit codes:
  0  written
  1  a lab could not be exported (the message says which and why; nothing of it is written)
  2  usage error: an unknown --lab, DIR is a file, or no instructor's repository here"""


def _cmd_export(args: argparse.Namespace) -> int:
    from .course import all_lab_ids, select_labs
    from .export import EXPORTERS, ExportError
    from .project import find_project

    project = find_project(args.root)
    selected = select_labs(all_lab_ids(), args.lab)
    out = Path(args.dir)
    if out.exists() and not out.is_dir():
        print(f"dlcv {args.command}: {out} is a file; give a folder (it is created if missing)", file=sys.stderr)
        return EXIT_USAGE
    exporter = EXPORTERS[getattr(args, "tool", "release")].load()
    try:
        written = exporter.export(project, out, selected)
    except ExportError as error:
        print(f"dlcv {args.command}: {error}", file=sys.stderr)
        return EXIT_FAILED
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK


def _format_summary(rows: Sequence[tuple[str, str, Results]]) -> str:
    """The table printed after grading; each reason for a file that could not be graded follows it, whole."""
    from .grade import results as schema

    lines, reasons = [f"{'student':<24} {'lab':<26} {'score':>13}  note"], []
    for student, lab, results in rows:
        max_score, score = schema.max_score(results), schema.score(results)
        pct = f"{100 * score / max_score:5.1f}%" if max_score else "   - "
        shown_lab = lab if schema.lab(results) else "?"
        note = ""
        if not schema.is_gradable(results):
            note = "NOT GRADABLE (below)"
            reasons.append(f"{student} {shown_lab}: {schema.reason(results)}")
        lines.append(f"{student:<24} {shown_lab:<26} {score:>5g}/{max_score:<4g}{pct:>3}  {note}")
    if reasons:
        lines += ["", "not gradable:"] + [f"  {reason}" for reason in reasons]
    return "\n".join(lines)


def _weaker_sandbox_warning(graded: Sequence[tuple[Submission, Results]]) -> str | None:
    """One line for the whole run when some workers had no user namespace (the grader is not root), else None."""
    from .grade import results as schema

    reasons = [r for r in (schema.weaker_sandbox_reason(results) for _, results in graded) if r]
    if not reasons:
        return None
    return (f"dlcv grade: WEAKER SANDBOX for {len(reasons)} of {len(graded)} submissions, no user namespace: "
            f"{reasons[0]}. Their code could read every file you can (the instructor's repository too) and use "
            "the network; see docs/grader/security.md, \"Without root\".")


def _cmd_grade(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .course import exercises_by_lab, gradable_lab_ids, select_labs
    from .grade import results as schema
    from .grade.batch import grade_batch
    from .grade.gradebook import write_gradebook
    from .grade.result_files import read_all_results
    from .grade.submissions import find_submissions
    from .sandbox import Limits

    lab_ids = gradable_lab_ids()
    default_lab = select_labs(lab_ids, [args.lab])[0] if args.lab else None
    try:
        submissions, ignored = find_submissions([Path(p) for p in args.paths], lab_ids, default_lab)
    except FileNotFoundError as error:
        print(f"dlcv grade: {error}", file=sys.stderr)
        return EXIT_USAGE
    for path in ignored:
        print(f"ignored (not a notebook, no <student>_<lab> name): {path}", file=sys.stderr)
    if not submissions:
        print("dlcv grade: no submissions found under " + ", ".join(args.paths), file=sys.stderr)
        return EXIT_USAGE
    limits = Limits(test_seconds=args.test_timeout, submission_seconds=args.submission_timeout,
                    load_seconds=args.load_timeout,
                    memory_bytes=args.memory_mb * 2**20, cpu_seconds=args.cpu_seconds, processes=args.processes,
                    file_bytes=args.output_mb * 2**20)
    out = Path(args.out)

    def grade(executor: Executor | None = None) -> BatchOutcome:
        with tqdm(total=len(submissions), desc="grading", unit="notebook", disable=len(submissions) < 2 or None,
                  file=sys.stderr) as bar:
            outcome = grade_batch(submissions, out, executor=executor, jobs=args.jobs, limits=limits, seed=args.seed,
                                  force=args.force, namespaces=not args.no_namespaces,
                                  progress=lambda sub, res: bar.update(1), html=args.html, keep_tests=False)
            bar.update(len(outcome.skipped))
        return outcome

    if args.scheduler is None:
        outcome = grade()
    else:
        from .grade.cluster import ClusterError, cluster_executor

        try:
            with cluster_executor(args.scheduler) as executor:
                if not executor.workers():
                    print(f"dlcv grade: no Dask worker is connected to {args.scheduler} yet; grading starts when "
                          "one joins (Ctrl-C stops; a rerun resumes)", file=sys.stderr)
                try:
                    outcome = grade(executor)
                except ClusterError as error:
                    print(f"dlcv grade: {error}", file=sys.stderr)
                    return EXIT_FAILED
        except ClusterError as error:
            print(f"dlcv grade: {error}", file=sys.stderr)
            return EXIT_USAGE
    if outcome.skipped:
        print(f"{len(outcome.skipped)} submissions already had results (use --force to regrade)", file=sys.stderr)
    warning = _weaker_sandbox_warning(outcome.graded)
    if warning:
        print(warning, file=sys.stderr)
    gradebook, _, _ = write_gradebook(out, exercises_by_lab())
    keys = {s.key for s in submissions}
    rows = [r for r in read_all_results(out) if (r[0], r[1]) in keys]
    print(_format_summary(rows))
    print(f"results: {out}/<student>/<lab>/results.json   gradebook: {gradebook}")
    ungradable = [r for r in rows if not schema.is_gradable(r[2])]
    return EXIT_UNGRADABLE if ungradable else EXIT_OK


def _scheduler(text: str) -> Scheduler:
    """``--scheduler``'s value, checked (a malformed one is a usage error, before anything is graded)."""
    from .grade.cluster import parse_scheduler

    try:
        return parse_scheduler(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def make_parser() -> argparse.ArgumentParser:
    from .export import COURSE_TOOLS, EXPORTERS

    parser = argparse.ArgumentParser(
        prog="dlcv", description="dlcv-labs: build the lab notebooks, self-check a notebook, grade submissions.",
        epilog=_EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"dlcv-labs {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    build = commands.add_parser(
        "build", help="generate labs/ and solutions/notebooks/ from solutions/ and source/",
        description="Generate the student notebooks (labs/NN_name.ipynb, labs/labkit/) and the executed solution "
                    "notebooks (solutions/notebooks/) from the reference module and the lab templates. Solution "
                    "notebooks are re-executed only when their inputs changed (or with --force).",
        epilog=_BUILD_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    build.add_argument("--check", action="store_true", help="write nothing; exit 1 and list every stale file")
    build.add_argument("--lab", action="append", metavar="N", help="only this lab (number or id); repeatable")
    build.add_argument("--force", action="store_true", help="re-execute solution notebooks even if current")
    build.add_argument("--root", metavar="DIR", help="the instructor's repository (default: found upward from .)")
    build.set_defaults(run=_cmd_build)

    check = commands.add_parser(
        "check", help="run a notebook's public self-checks from a terminal",
        description="Define the notebook's functions (top-level demo and plot cells are skipped) and run its public "
                    "self-check cells. Exit 0 when every check passes.",
        epilog=_CHECK_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("notebook", help="a lab notebook (.ipynb)")
    check.add_argument("--exercise", metavar="NAME", help="only the checks of this exercise")
    check.set_defaults(run=_cmd_check)

    grade = commands.add_parser(
        "grade", help="grade one notebook, a folder of notebooks, or an nbgrader submitted/ tree",
        description="Grade submissions with the hidden tests. Layouts: <student>_<lab>.ipynb, <student>/<lab>.ipynb, "
                    "nbgrader's submitted/<student>/<lab>/*.ipynb. Writes OUT/<student>/<lab>/results.json "
                    "(Gradescope's schema) and OUT/gradebook.csv, and prints a summary. Submissions that already "
                    "have results are skipped unless --force, so an interrupted batch resumes where it stopped.",
        epilog=_GRADE_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    grade.add_argument("paths", nargs="+", metavar="PATH", help="notebooks or folders")
    grade.add_argument("--out", default="grading", metavar="DIR", help="output folder (default: ./grading)")
    grade.add_argument("-j", "--jobs", type=int, default=None, metavar="N",
                       help="submissions graded in parallel (default: number of CPUs, at most 8)")
    grade.add_argument("--scheduler", type=_scheduler, metavar="ADDRESS",
                       help="grade on a Dask cluster: tcp://HOST:PORT of a running `dask scheduler` (its workers "
                            "have the same commit of this repository installed), or local:N to start N worker "
                            "processes here; -j is then ignored (docs/grader/cluster.md)")
    grade.add_argument("--seed", type=int, metavar="S",
                       help="seed for the random test inputs (default: fixed per student and lab; replays a run)")
    grade.add_argument("--lab", metavar="LAB", help="lab of notebooks whose name does not say it")
    grade.add_argument("--force", action="store_true", help="regrade submissions that already have results")
    grade.add_argument("--test-timeout", type=float, default=10.0, metavar="S",
                       help="wall seconds for one call into student code (default 10)")
    grade.add_argument("--submission-timeout", type=float, default=120.0, metavar="S",
                       help="wall seconds for a whole submission (default 120)")
    grade.add_argument("--load-timeout", type=float, default=20.0, metavar="S",
                       help="wall seconds to define a notebook's functions before any test (default 20)")
    grade.add_argument("--cpu-seconds", type=int, default=120, metavar="S",
                       help="CPU seconds per sandboxed worker process (default 120)")
    grade.add_argument("--memory-mb", type=int, default=2048, metavar="MB",
                       help="address-space limit of a worker in MiB (default 2048)")
    grade.add_argument("--processes", type=int, default=64, metavar="N",
                       help="processes a worker may run (default 64; without user namespaces shared by your user)")
    grade.add_argument("--output-mb", type=int, default=16, metavar="MB",
                       help="largest file, printed output included, a worker may write, in MiB (default 16)")
    grade.add_argument("--html", action="store_true",
                       help="also write feedback.html: the student's notebook with each exercise's results under it, "
                            "readable offline (about 2 s per submission)")
    grade.add_argument("--no-namespaces", action="store_true",
                       help="do not enter namespaces (as root: mount, network and IPC; otherwise: the user namespace "
                            "and all it owns): the worker then has the network, the machine's /tmp and /proc, and "
                            "can read every file its user may (the instructor's repository included); the private "
                            "user id (as root) and the resource limits stay. For debugging only")
    grade.set_defaults(run=_cmd_grade)
    export = commands.add_parser(
        "export", help="write an nbgrader course, otter-grader master notebooks or a Gradescope autograder",
        description="Write what a course tool expects, so its own commands work end to end while the grade is still "
                    "decided by dlcv's sandboxed grader.",
        epilog=_EXPORT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    tools = export.add_subparsers(dest="tool", required=True, metavar="TOOL")
    for tool in COURSE_TOOLS:
        summary = EXPORTERS[tool].summary
        sub = tools.add_parser(tool, help=summary, description=summary, epilog=_EXPORT_CODES,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
        _export_arguments(sub)
    release = commands.add_parser(
        "release", help=EXPORTERS["release"].summary,
        description="Write the student release: the student notebooks, labkit/, check_labs.py (runs the self-checks), "
                    "environment.yml, requirements.txt, a short README and the self-check CI workflow, and nothing "
                    "else (no solution, no hidden test).",
        epilog=_EXPORT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    _export_arguments(release)
    return parser


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="output folder (created if missing)")
    parser.add_argument("--lab", action="append", metavar="N", help="only this lab (number or id); repeatable")
    parser.add_argument("--root", metavar="DIR", help="the instructor's repository (default: found upward from .)")
    parser.set_defaults(run=_cmd_export)


def main(argv: Sequence[str] | None = None) -> int:
    from .project import ProjectError

    args = make_parser().parse_args(argv)
    if getattr(args, "jobs", 0) is None:
        from .grade.batch import default_jobs

        args.jobs = default_jobs()
    try:
        return args.run(args)
    except ProjectError as error:
        print(f"dlcv {args.command}: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        kept = "; the results written so far are kept: run the same command again to grade the rest" \
            if args.command == "grade" else ""
        print(f"\ndlcv {args.command}: interrupted{kept}", file=sys.stderr)
        return EXIT_INTERRUPTED
