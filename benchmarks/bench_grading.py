"""How long does grading a class take, and what does the sandbox cost? ``python benchmarks/bench_grading.py``.

Builds a temporary course with the labs of this checkout, releases it, and hands in a class of
``--students`` (default 30) submissions of each of ``--labs`` (default lab 1 and lab 2): the
student version with the model answers typed in, as an honest student who finished would. Then
it grades the same class four times, each in a fresh copy of the released course:

- ``sandboxed --jobs 1`` and ``sandboxed --jobs 2``: what an instructor runs;
- ``unsandboxed --jobs 1`` and ``unsandboxed --jobs 2``: the same with bubblewrap switched off
  (as on a machine without it), to measure what the sandbox costs.

For each run it prints the wall time of the whole ``grade`` (collect, release, the jobs, import,
export), the per-submission worker seconds (median, min, max) and checks that every submission
got full marks on every autograded cell and none is marked for review, so a fast wrong run cannot pass for a fast one. The sandbox's overhead per
submission is (sandboxed − unsandboxed) with ``--jobs 1``: the wall-time difference divided by
the number of submissions, and the difference of the median worker seconds. Timings vary with
whatever else the machine runs; close other CPU-heavy work first. ``--quick`` grades 3 students.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import nbformat  # noqa: E402

from cnnlab.grading import course as grading_course  # noqa: E402
from cnnlab.grading import isolate, sandbox  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _answered(released, source):
    """The student version with the model answers typed in (without the solution markers)."""
    nb = nbformat.from_dict(json.loads(json.dumps(released)))
    by_id = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in nb.cells}
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            by_id[meta["grade_id"]].source = "\n".join(
                ln for ln in cell.source.splitlines() if "### BEGIN SOLUTION" not in ln and "### END SOLUTION" not in ln)
    return nb


def _class(base: Path, labs, students: int) -> Path:
    """A released course under base/course and the class's submissions under base/subs."""
    course, subs = base / "course", base / "subs"
    shutil.copytree(ROOT / "labs", course / "labs")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    grading_course.release(course, labs)
    for lab in labs:
        source = nbformat.read(course / "labs" / lab / f"{lab}.ipynb", as_version=4)
        released = nbformat.read(course / "release" / lab / f"{lab}.ipynb", as_version=4)
        answered = _answered(released, source)
        for n in range(students):
            (subs / f"student{n:02d}").mkdir(parents=True, exist_ok=True)
            nbformat.write(answered, subs / f"student{n:02d}" / f"{lab}.ipynb")
    return base


def _run(base: Path, labs, jobs: int, sandboxed: bool, timeout) -> dict:
    """Grade the class once in a fresh copy of the released course; wall time and per-job seconds."""
    course = base / f"course-{'sandboxed' if sandboxed else 'unsandboxed'}-{jobs}"
    shutil.copytree(base / "course", course)
    real = isolate.available
    isolate.available = real if sandboxed else (lambda: False)
    try:
        start = time.perf_counter()
        report = grading_course.grade(base / "subs", course, labs, timeout, jobs=jobs, require_sandbox=sandboxed)
        wall = time.perf_counter() - start
    finally:
        isolate.available = real
    if report["failed"]:
        raise SystemExit(f"not graded: {report['failed']}")
    short = [(r["student"], r["lab"], gid) for r in report["results"] for gid, g in r["grades"].items()
             if not g["needs_manual_grade"] and g["auto_score"] != g["max_score"]]
    flagged = [(r["student"], r["lab"]) for r in report["results"] if r["review"]]
    if short or flagged:  # a fast wrong run must not pass for a fast one
        raise SystemExit(f"autograded cells short of full marks: {short[:5]}; marked for review: {flagged[:5]}")
    seconds = [r["seconds"] for r in report["results"]]
    shutil.rmtree(course)
    return {"jobs": jobs, "sandboxed": sandboxed, "wall": wall, "seconds": seconds, "n": len(seconds)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--labs", default="lab1-convolution,lab2-first-cnn")
    parser.add_argument("--timeout", type=int, default=None, help="seconds per cell (default: nbgrader_config.py)")
    parser.add_argument("--quick", action="store_true", help="3 students: a smoke run")
    args = parser.parse_args()
    students = 3 if args.quick else args.students
    labs = [lab for lab in args.labs.split(",") if lab]
    if not sandbox.available():
        raise SystemExit("bubblewrap cannot create a sandbox here: nothing to compare")
    print(f"class: {students} students x {len(labs)} labs ({', '.join(labs)}) = {students * len(labs)} submissions; "
          f"{os.cpu_count()} CPUs")
    runs = []
    with tempfile.TemporaryDirectory(prefix="cnnlab-bench-grading-") as tmp:
        base = _class(Path(tmp), labs, students)
        for sandboxed in (True, False):
            for jobs in (1, 2):
                run = _run(base, labs, jobs, sandboxed, args.timeout)
                runs.append(run)
                s = run["seconds"]
                print(f"{'sandboxed' if sandboxed else 'unsandboxed':>11} --jobs {jobs}: {run['wall']:7.1f} s wall "
                      f"({run['wall'] / run['n']:.2f} s per submission); worker s per submission median "
                      f"{statistics.median(s):.2f}, min {min(s):.2f}, max {max(s):.2f}", flush=True)
    by = {(r["sandboxed"], r["jobs"]): r for r in runs}
    for jobs in (1, 2):
        on, off = by[True, jobs], by[False, jobs]
        print(f"sandbox overhead, --jobs {jobs}: {(on['wall'] - off['wall']) / on['n']:+.2f} s per submission of wall "
              f"time ({on['wall'] / off['wall']:.3f}x); median worker seconds "
              f"{statistics.median(on['seconds']) - statistics.median(off['seconds']):+.2f} s")
    print(f"--jobs 2 speed-up: sandboxed {by[True, 1]['wall'] / by[True, 2]['wall']:.2f}x, "
          f"unsandboxed {by[False, 1]['wall'] / by[False, 2]['wall']:.2f}x")


if __name__ == "__main__":
    main()
