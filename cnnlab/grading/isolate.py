"""Grade many submissions, each in isolation, N at a time, and import the scores into the gradebook.

Every submission becomes a job folder, ``grading/jobs/<student>--<lab>/``: a course holding only
that lab as it was when grading began (its tests, its ``rules.json``, released once into a
gradebook of its own, copied for each job), the submission, and a ``spec.json``. :mod:`cnnlab.grading.worker` grades it there, in a process of
its own, with the submission's kernel in the sandbox; the job's only output is ``out/`` (the
scores, the graded notebook, the feedback). Only then does this process, which runs no student
code, write the scores into the instructor's gradebook. A job that fails for any reason scores 0
and is marked for review; no other job is affected.

The job folder is the unit to spread over machines: copy it (it holds everything it needs),
run ``python -m cnnlab.grading.worker JOB`` where cnnlab is installed, copy ``out/`` back, and
:func:`import_results` reads it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from pathlib import Path

from cnnlab.grading.sandbox import Limits, available

JOBS_DIR = "jobs"
RESULTS_DIR = "results"
FIRST_UID = 20_000  # each job's kernel runs as its own user when the grader is root


def check_jobs(jobs):
    if isinstance(jobs, bool) or not isinstance(jobs, int):
        raise TypeError(f"`jobs` must be a positive int, got {type(jobs).__name__}")
    if jobs < 1:
        raise ValueError(f"`jobs` must be a positive int, got {jobs}")
    return jobs


def sandbox_or_warning(require_sandbox: bool) -> bool:
    """Whether submissions run in the sandbox; without one, a loud warning (or an error if required)."""
    if available():
        return True
    if require_sandbox:
        raise RuntimeError("no sandbox: bubblewrap (`bwrap`) is missing or cannot create namespaces here, and "
                           "--require-sandbox was given (Debian/Ubuntu: apt-get install bubblewrap)")
    print("WARNING: bubblewrap is not available: submissions run UNSANDBOXED, with your rights, and can read "
          "and change your files. Grade untrusted work only where `bwrap` works, or pass --require-sandbox.",
          file=sys.stderr)
    return False


def _template(jobs_root: Path, root: Path, lab: str) -> Path:
    """A course with only `lab`, released once: its gradebook and release are every job's start."""
    from cnnlab.grading.nbapi import api as nbgrader_api

    course = jobs_root / "_templates" / lab
    shutil.copytree(root / "labs" / lab, course / "labs" / lab)
    shutil.copyfile(root / "nbgrader_config.py", course / "nbgrader_config.py")
    result = nbgrader_api(course).generate_assignment(lab, force=True, create=True)
    if not result["success"]:
        raise RuntimeError(f"nbgrader generate_assignment {lab} failed:\n{result.get('log', '')[-3000:]}")
    return course


def prepare_jobs(root: Path, pairs, timeout: int, sandboxed: bool) -> list[Path]:
    """One job folder per (student, lab), from the lab sources as they are now."""
    jobs_root = root / "grading" / JOBS_DIR
    shutil.rmtree(jobs_root, ignore_errors=True)
    templates = {lab: _template(jobs_root, root, lab) for lab in dict.fromkeys(lab for _, lab in pairs)}
    folders = []
    for number, (student, lab) in enumerate(pairs):
        job = jobs_root / f"{student}--{lab}"
        shutil.copytree(templates[lab], job / "course")
        shutil.copyfile(root / "grading" / "submitted" / student / lab / f"{lab}.ipynb", job / "submission.ipynb")
        spec = {"student": student, "lab": lab, "sandboxed": sandboxed, "course_root": str(root),
                "submission": str(job / "submission.ipynb"), "uid": FIRST_UID + number,
                "limits": asdict(Limits()), "timeout": timeout}
        (job / "spec.json").write_text(json.dumps(spec, indent=1))
        folders.append(job)
    return folders


def _cells(lab_notebook: Path) -> list[dict]:
    return [c for c in json.loads(lab_notebook.read_text(encoding="utf-8"))["cells"]
            if c.get("metadata", {}).get("nbgrader", {}).get("grade")]


def run_job(job: Path) -> dict:
    """Run one job's worker; a result even when it fails (every part 0, marked for review)."""
    spec = json.loads((job / "spec.json").read_text())
    cells = _cells(job / "course" / "labs" / spec["lab"] / f"{spec['lab']}.ipynb")
    limit = 300 + 2 * spec["timeout"] * (len(cells) + 10)
    try:
        done = subprocess.run([sys.executable, "-m", "cnnlab.grading.worker", str(job)], capture_output=True,
                              text=True, timeout=limit, stdin=subprocess.DEVNULL)
        why = None if done.returncode == 0 else (done.stderr or done.stdout)[-2000:]
    except subprocess.TimeoutExpired:
        why = f"grading took longer than {limit} s"
    result_file = job / "out" / "result.json"
    if why is None and result_file.is_file():
        return json.loads(result_file.read_text())
    grades = {c["metadata"]["nbgrader"]["grade_id"]: {
        "auto_score": 0.0, "manual_score": None, "max_score": float(c["metadata"]["nbgrader"]["points"]),
        "needs_manual_grade": bool(c["metadata"]["nbgrader"].get("solution"))} for c in cells}
    message = f"the submission could not be graded: {why}"
    return {"student": spec["student"], "lab": spec["lab"], "sandboxed": spec["sandboxed"], "grades": grades,
            "notes": [{"kind": "failed", "cell": "", "message": message, "review": True, "zero": list(grades)}],
            "review": True, "error": message, "seconds": None}


def run_jobs(folders, jobs: int = 1) -> list[dict]:
    """Every job, `jobs` at a time; results in the order of `folders`."""
    check_jobs(jobs)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(run_job, folders))


def import_results(root: Path, results) -> None:
    """Write the jobs' scores into the instructor's gradebook; copy their notebooks and feedback."""
    from nbgrader.api import MissingEntry

    from cnnlab.grading.nbapi import api as nbgrader_api
    from cnnlab.grading.nbapi import gradebook

    with gradebook(nbgrader_api(root)) as gb:
        for result in results:
            student, lab = result["student"], result["lab"]
            gb.update_or_create_student(student)
            try:
                gb.remove_submission(lab, student)
            except MissingEntry:
                pass
            gb.add_submission(lab, student)
            for gid, score in result["grades"].items():
                grade = gb.find_grade(gid, lab, lab, student)
                grade.auto_score = score["auto_score"]
                grade.manual_score = score["manual_score"]
                grade.needs_manual_grade = score["needs_manual_grade"]
            gb.db.commit()
    for result in results:
        student, lab = result["student"], result["lab"]
        out = root / "grading" / JOBS_DIR / f"{student}--{lab}" / "out"
        for kind, suffix in (("autograded", "ipynb"), ("feedback", "html")):
            target = root / "grading" / kind / student / lab
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir(parents=True)
            if (out / f"{lab}.{suffix}").is_file():
                shutil.copyfile(out / f"{lab}.{suffix}", target / f"{lab}.{suffix}")
        record = root / "grading" / RESULTS_DIR / student / f"{lab}.json"
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps(result, indent=1))


def read_results(root: Path) -> dict:
    """(student, lab) -> the stored result of its last grading."""
    folder = root / "grading" / RESULTS_DIR
    return {(p.parent.name, p.stem): json.loads(p.read_text()) for p in sorted(folder.glob("*/*.json"))}


def add_review_columns(root, path):
    """Append ``review`` (yes when a person should look) and ``notes`` (the grader's, joined by ' | ')."""
    import csv

    results = read_results(root)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    fields = list(rows[0]) if rows else ["assignment", "student_id"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=[*fields, "review", "notes"])
        writer.writeheader()
        for row in rows:
            result = results.get((row["student_id"], row["assignment"]), {})
            notes = [n["message"] for n in result.get("notes", [])]
            if result and not result.get("sandboxed", True):
                notes.insert(0, "graded without a sandbox")
            writer.writerow(row | {"review": "yes" if result.get("review") else "", "notes": " | ".join(notes)})


def configured_timeout(root):
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    return int(config.Execute.timeout) if "timeout" in config.Execute else 30
