"""The command line of the course tools: ``python -m cnnlab.grading release | grade | export``."""

import argparse
import sys
from pathlib import Path

from cnnlab.grading.course import GRADING_DIR, export, feedback, grade, release


def _labs(text):
    """``lab1,lab2`` -> ['lab1', 'lab2']."""
    return [name for name in text.split(",") if name]


def _options(parser, default):
    parser.add_argument("--course", default=default, help="course folder (with nbgrader_config.py), default: .")
    parser.add_argument("--labs", type=_labs, action="extend", default=default, metavar="LAB[,LAB...]",
                        help="only these labs (default: all); repeat it or separate names by commas")


def _parser():
    parser = argparse.ArgumentParser(prog="python -m cnnlab.grading",
                                     description="Release, autograde and export the labs with nbgrader.")
    _options(parser, None)
    # the same options after the command; SUPPRESS keeps them from overwriting those given before it
    common = argparse.ArgumentParser(add_help=False)
    _options(common, argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("release", parents=[common], help="write the student versions into release/")
    grade_parser = sub.add_parser("grade", parents=[common], help="collect, autograde, feedback, grades.csv")
    grade_parser.add_argument("submissions", help="folder with one sub-folder per student")
    grade_parser.add_argument("--timeout", type=int, help="seconds per cell (default: nbgrader_config.py)")
    grade_parser.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default: 1)")
    grade_parser.add_argument("--require-sandbox", action="store_true",
                              help="refuse to grade when bubblewrap cannot isolate the submissions")
    sub.add_parser("export", parents=[common], help="rewrite grading/grades.csv and the feedback (after manual grading)")
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    args.course = args.course or "."
    try:
        if args.command == "release":
            for path in release(args.course, args.labs):
                print(f"released {path}")
            return 0
        if args.command == "export":
            feedback(args.course, args.labs)
            print(f"grades written to {export(args.course)}")
            return 0
        report = grade(args.submissions, args.course, args.labs, args.timeout, jobs=args.jobs,
                       require_sandbox=args.require_sandbox)
    except (ValueError, TypeError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    students = sorted({s for s, _ in report["collected"]})
    print(f"collected {len(report['collected'])} notebooks from {len(students)} students")
    for path, why in report["ignored"]:
        print(f"ignored {path}: {why}")
    for result in report["results"]:
        if result["error"]:
            print(f"NOT GRADED (scored 0, marked for review): {result['student']} / {result['lab']}: "
                  f"{result['error']}", file=sys.stderr)
        elif result["review"]:
            print(f"review: {result['student']} / {result['lab']}: "
                  + "; ".join(n["message"] for n in result["notes"] if n["review"]))
    root = Path(args.course).resolve()
    print(f"grades: {report['grades']}\nfeedback: {root / GRADING_DIR / 'feedback'}/<student>/<lab>/<lab>.html")
    return 1 if report["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
