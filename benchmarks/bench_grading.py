"""How long does grading a class take, and what does the sandbox cost? ``python benchmarks/bench_grading.py``.

Builds a temporary course with the labs of this checkout, releases it, and hands in a class of
``--students`` (default 30) submissions of each of ``--labs`` (default lab 1 and lab 2): the
student version with the model answers typed in, as an honest student who finished would. Then
it grades the same class four times, each in a fresh copy of the released course:

- ``sandboxed --jobs 1`` and ``sandboxed --jobs 2``: what an instructor runs;
- ``unsandboxed --jobs 1`` and ``unsandboxed --jobs 2``: the same with bubblewrap switched off
  (as on a machine without it), to measure what the sandbox costs.

For each run it prints the wall time of the whole ``grade`` (collect, release, the jobs, import,
export), the per-submission worker seconds (median, min, max, median per lab) and checks that
every submission got full marks on every autograded cell and none is marked for review, so a
fast wrong run cannot pass for a fast one. The sandbox's overhead per submission is printed two
ways: from the class runs (the wall-time difference divided by the number of submissions), and
paired: one job per lab run sandboxed and unsandboxed back to back, ``--repeats`` times, the
order alternating, the median of the differences. The class runs are minutes apart and on a
shared machine one process can take 30 % more or less from one run to the next, so the paired
figure is the one to trust. Close other CPU-heavy work first. ``--quick`` grades 3 students, 2 pairs per lab.
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


def _class(base: Path, labs, students: int) -> Path:
    """A released course under base/course and the class's submissions under base/subs."""
    course, subs = base / "course", base / "subs"
    shutil.copytree(ROOT / "labs", course / "labs")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    grading_course.release(course, labs)
    for lab in labs:
        source = nbformat.read(course / "labs" / lab / f"{lab}.ipynb", as_version=4)
        released = nbformat.read(course / "release" / lab / f"{lab}.ipynb", as_version=4)
        answered = grading_course.model_answers(released, source)
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
    for lab in labs:  # one job per lab, kept for the paired measurement
        if not (base / "paired" / lab).exists():
            job = course / "grading" / isolate.JOBS_DIR / f"student00--{lab}"
            shutil.copytree(job, base / "paired" / lab, ignore=shutil.ignore_patterns("out"))
    seconds = [r["seconds"] for r in report["results"]]
    by_lab = {lab: [r["seconds"] for r in report["results"] if r["lab"] == lab] for lab in labs}
    shutil.rmtree(course)
    return {"jobs": jobs, "sandboxed": sandboxed, "wall": wall, "seconds": seconds, "n": len(seconds),
            "by_lab": by_lab}


def _paired(base: Path, labs, repeats: int) -> dict:
    """One job per lab run sandboxed and unsandboxed back to back, `repeats` times, the order alternating.

    The class runs above are minutes apart, and this machine's speed drifts over minutes; a pair
    run seconds apart sees the same machine. Returns {lab: [(sandboxed s, unsandboxed s), ...]},
    each the wall time of one worker process (start-up included), as ``run_job`` spends it.
    """
    pairs = {lab: [] for lab in labs}
    for rep in range(repeats):
        for lab in labs:
            took = {}
            for sandboxed in ((True, False) if rep % 2 == 0 else (False, True)):
                job = base / "paired-run"
                shutil.rmtree(job, ignore_errors=True)
                shutil.copytree(base / "paired" / lab, job)
                spec = json.loads((job / "spec.json").read_text())
                (job / "spec.json").write_text(json.dumps({**spec, "sandboxed": sandboxed}))
                start = time.perf_counter()
                result = isolate.run_job(job)
                took[sandboxed] = time.perf_counter() - start
                if result["error"] or result["sandboxed"] != sandboxed:
                    raise SystemExit(f"paired run of {lab} (sandboxed={sandboxed}) failed: {result['error']}")
            pairs[lab].append((took[True], took[False]))
    return pairs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--labs", default="lab1-convolution,lab2-first-cnn")
    parser.add_argument("--timeout", type=int, default=None, help="seconds per cell (default: nbgrader_config.py)")
    parser.add_argument("--repeats", type=int, default=10, help="sandboxed/unsandboxed pairs per lab (default: 10)")
    parser.add_argument("--quick", action="store_true", help="3 students and 2 pairs per lab: a smoke run")
    args = parser.parse_args()
    students, repeats = (3, 2) if args.quick else (args.students, args.repeats)
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
                      f"{statistics.median(s):.2f}, min {min(s):.2f}, max {max(s):.2f}; by lab: "
                      + ", ".join(f"{lab} {statistics.median(v):.2f}" for lab, v in run["by_lab"].items()), flush=True)
        pairs = _paired(base, labs, repeats)
    by = {(r["sandboxed"], r["jobs"]): r for r in runs}
    for jobs in (1, 2):
        on, off = by[True, jobs], by[False, jobs]
        print(f"sandbox overhead, --jobs {jobs}: {(on['wall'] - off['wall']) / on['n']:+.2f} s per submission of wall "
              f"time ({on['wall'] / off['wall']:.3f}x); median worker seconds "
              f"{statistics.median(on['seconds']) - statistics.median(off['seconds']):+.2f} s")
    print(f"--jobs 2 speed-up: sandboxed {by[True, 1]['wall'] / by[True, 2]['wall']:.2f}x, "
          f"unsandboxed {by[False, 1]['wall'] / by[False, 2]['wall']:.2f}x")
    for lab, runs_ in pairs.items():
        diffs = sorted(on - off for on, off in runs_)
        print(f"sandbox overhead per submission, paired ({len(diffs)} back-to-back pairs of one {lab} job): "
              f"median {statistics.median(diffs):+.2f} s (min {diffs[0]:+.2f}, max {diffs[-1]:+.2f}) on "
              f"{statistics.median(off for _, off in runs_):.2f} s unsandboxed")


if __name__ == "__main__":
    main()
