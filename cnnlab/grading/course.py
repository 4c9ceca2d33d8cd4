"""Release, collect, autograde and export the labs with stock nbgrader.

The course directory is the repository root. Its ``nbgrader_config.py`` says
where things live: lab sources in ``labs/<lab>/<lab>.ipynb``, student versions
in ``release/``, and everything grading writes (submissions, graded notebooks,
HTML feedback, the gradebook database, ``grades.csv``) under ``grading/``.
Each step calls nbgrader's Python API (``NbGraderAPI``) in this process, with
this environment's ``bin`` folder first on ``PATH`` (nbgrader calls ``alembic``
by name).

From the shell: ``python -m cnnlab.grading release`` and
``python -m cnnlab.grading grade SUBMISSIONS`` (what ``make release`` and
``make grade SUBMISSIONS=...`` run), ``python -m cnnlab.grading export``
(:mod:`cnnlab.grading.__main__`).
"""

import json
import re
import shutil
from pathlib import Path

from cnnlab.grading.nbapi import api as nbgrader_api
from cnnlab.grading.nbapi import gradebook

__all__ = ["find_labs", "lab_points", "release", "collect", "autograde", "feedback", "export", "grade"]

GRADING_DIR = "grading"
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$")


def _course(course_root):
    root = Path(course_root).resolve()
    if not (root / "nbgrader_config.py").is_file():
        raise ValueError(f"`course_root` must be a folder with an nbgrader_config.py, got {str(course_root)!r}")
    return root


def find_labs(course_root="."):
    """The lab ids of a course: each folder ``labs/<lab>`` holding ``<lab>.ipynb``, sorted.

    Examples
    --------
    >>> find_labs(Path(__file__).parents[2])[:2]
    ['lab1-convolution', 'lab2-first-cnn']
    """
    root = _course(course_root)
    return sorted(p.parent.name for p in (root / "labs").glob("*/*.ipynb") if p.stem == p.parent.name)


def lab_points(course_root, lab):
    """Points of a lab's source notebook: ``({test cell grade_id: points}, written points)``.

    Test cells are graded automatically; written answers (cells that are both
    ``solution`` and ``grade``) by hand.

    Examples
    --------
    >>> tests, written = lab_points(Path(__file__).parents[2], "lab1-convolution")
    >>> sum(tests.values()), written
    (11, 3)
    """
    lab = _check_labs(course_root, [lab])[0]
    source = json.loads((_course(course_root) / "labs" / lab / f"{lab}.ipynb").read_text(encoding="utf-8"))
    tests, written = {}, 0
    for cell in source["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade") and meta.get("solution"):
            written += meta["points"]
        elif meta.get("grade"):
            tests[meta["grade_id"]] = meta["points"]
    return tests, written


def _check_labs(course_root, labs):
    known = find_labs(course_root)
    if labs is None:
        return known
    if isinstance(labs, str):
        labs = [labs]
    unknown = [lab for lab in labs if lab not in known]
    if unknown:
        raise ValueError(f"`labs` must name labs of this course {known}, got {unknown}")
    return list(labs)


def _check(result, what):
    if not result["success"]:
        raise RuntimeError(f"nbgrader {what} failed:\n{result.get('error') or result.get('log', '')}"[-4000:])


def model_answers(released, source):
    """The student version `released` with the model answers of `source` typed in.

    What a student who finished the lab hands in: every cell as released (metadata, tests),
    each answer cell's text taken from the lab source without the ``### BEGIN/END SOLUTION``
    markers. The round-trip tests and ``benchmarks/bench_grading.py`` build submissions with it.
    Both arguments are notebooks (``nbformat.NotebookNode`` or dicts); neither is changed.
    """
    for name, nb in (("released", released), ("source", source)):
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            raise TypeError(f"`{name}` must be a notebook (a dict with a list of cells), got {type(nb).__name__}")
    import nbformat

    answered = nbformat.from_dict(json.loads(json.dumps(released)))
    by_id = {}
    for cell in answered.cells:
        by_id.setdefault(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"), []).append(cell)
    for cell in source["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("solution"):
            continue
        targets = by_id.get(meta.get("grade_id"), [])
        if len(targets) != 1:
            raise ValueError(f"`released` must hold one cell with grade_id {meta.get('grade_id')!r}, the answer "
                             f"cell of `source`; it holds {len(targets)}")
        text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        targets[0].source = "\n".join(line for line in text.splitlines()
                                      if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
    return answered


def release(course_root=".", labs=None):
    """Write the student version of each lab into ``release/<lab>/`` (nbgrader generate_assignment).

    Solutions become ``raise NotImplementedError()`` stubs, hidden tests are
    removed, written answers read "YOUR ANSWER HERE"; the gradebook records the
    original test cells, so an edited test cell is graded with the original.

    Returns
    -------
    list of Path
        The released notebooks.
    """
    root = _course(course_root)
    labs = _check_labs(root, labs)
    api = nbgrader_api(root)
    for lab in labs:
        _check(api.generate_assignment(lab, force=True, create=True), f"generate_assignment {lab}")
    return [root / "release" / lab / f"{lab}.ipynb" for lab in labs]


def _lab_of(path, labs, grade_ids):
    """Which lab a submitted notebook is: by file name, else by its nbgrader cell ids."""
    by_name = [lab for lab in labs if path.stem == lab or path.stem.startswith(lab + " ")
               or path.stem.startswith(lab + "-") or path.stem.startswith(lab + "_")]
    if by_name:
        return max(by_name, key=len)
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        ids = {c["metadata"]["nbgrader"]["grade_id"] for c in cells if "nbgrader" in c.get("metadata", {})}
    except (ValueError, KeyError, TypeError):
        return None
    overlap = {lab: len(ids & grade_ids[lab]) for lab in labs}
    best = max(overlap, key=overlap.get) if overlap else None
    return best if best is not None and overlap[best] > 0 else None


def collect(submissions, course_root=".", labs=None):
    """Copy a folder of submissions into ``grading/submitted/<student>/<lab>/<lab>.ipynb``.

    `submissions` holds one folder per student (its name is the student id);
    inside, each lab's notebook anywhere (``lab1-convolution.ipynb``,
    ``lab1-convolution/lab1-convolution.ipynb``, ``lab1-convolution (2).ipynb``;
    a renamed file is recognised by its nbgrader cells). Earlier submissions of
    the same students are replaced.

    Returns
    -------
    dict
        ``{"collected": [(student, lab), ...], "ignored": [(path, why), ...]}``.

    Raises
    ------
    ValueError
        If `submissions` is not a folder, a student folder name is not a valid id,
        or one student has two notebooks for the same lab.
    """
    root = _course(course_root)
    labs = _check_labs(root, labs)
    folder = Path(submissions)
    if not folder.is_dir():
        raise ValueError(f"`submissions` must be a folder with one sub-folder per student, got {str(submissions)!r}")
    grade_ids = {}
    for lab in labs:
        source = json.loads((root / "labs" / lab / f"{lab}.ipynb").read_text(encoding="utf-8"))
        grade_ids[lab] = {c["metadata"]["nbgrader"]["grade_id"] for c in source["cells"]
                          if "nbgrader" in c.get("metadata", {})}
    report = {"collected": [], "ignored": []}
    for student_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        student = student_dir.name
        if not STUDENT_ID.match(student):
            raise ValueError(f"student folder names must be ids of letters, digits and _.@- "
                             f"(starting with a letter or digit), got {student!r}")
        found = {}
        for path in sorted(student_dir.rglob("*.ipynb")):
            if any(part.startswith(".") for part in path.relative_to(student_dir).parts):
                continue                      # .ipynb_checkpoints and other hidden copies
            lab = _lab_of(path, labs, grade_ids)
            if lab is None:
                report["ignored"].append((str(path), "not a notebook of these labs"))
            elif lab in found:
                raise ValueError(f"student {student!r} has two notebooks for {lab}: {found[lab]} and {path}")
            else:
                found[lab] = path
        for lab, path in found.items():
            target = root / GRADING_DIR / "submitted" / student / lab
            shutil.rmtree(target, ignore_errors=True)
            shutil.rmtree(root / GRADING_DIR / "autograded" / student / lab, ignore_errors=True)
            target.mkdir(parents=True)
            shutil.copyfile(path, target / f"{lab}.ipynb")
            report["collected"].append((student, lab))
    return report


def autograde(course_root=".", labs=None, timeout=None, *, jobs=1, require_sandbox=False):
    """Autograde every collected submission, each in isolation (:mod:`cnnlab.grading.isolate`).

    Each submission is graded in a throwaway course of its own, its kernel in a sandbox
    (:mod:`cnnlab.grading.sandbox`: no network, the course and home folders invisible, limits on
    memory, CPU time, processes and file size), `jobs` at a time; then the scores go into the
    course's gradebook and the feedback into ``grading/feedback``. Each cell runs with a time
    limit (`timeout` seconds, default from ``nbgrader_config.py``): an endless loop costs its own
    tests only. Without bubblewrap, grading runs unsandboxed after a loud warning, or not at all
    with ``require_sandbox=True``.

    Returns
    -------
    list of dict
        One result per submission: ``grades`` (grade id -> scores), ``notes`` (what the grader
        changed or found, shown in the feedback), ``review`` (a person should look) and ``error``.
    """
    from cnnlab.grading.isolate import (check_jobs, configured_timeout, import_results, prepare_jobs, run_jobs,
                                        sandbox_or_warning)

    root = _course(course_root)
    labs = _check_labs(root, labs)
    timeout = _check_timeout(timeout) if timeout is not None else configured_timeout(root)
    check_jobs(jobs)
    sandboxed = sandbox_or_warning(require_sandbox)
    pairs = [(p.parent.name, lab) for lab in labs
             for p in sorted((root / GRADING_DIR / "submitted").glob(f"*/{lab}"))]
    results = run_jobs(prepare_jobs(root, pairs, timeout, sandboxed), jobs)
    import_results(root, results)
    return results


def feedback(course_root=".", labs=None):
    """Write ``grading/feedback/<student>/<lab>/<lab>.html`` for every graded submission.

    Run it again after grading written answers by hand, to include those points and comments.
    """
    root = _course(course_root)
    labs = _check_labs(root, labs)
    graded = [lab for lab in labs if any((root / GRADING_DIR / "autograded").glob(f"*/{lab}"))]
    api = nbgrader_api(root) if graded else None
    for lab in graded:
        _check(api.generate_feedback(lab, force=True), f"generate_feedback {lab}")


def _check_timeout(timeout):
    if isinstance(timeout, bool) or not isinstance(timeout, int):
        raise TypeError(f"`timeout` must be a positive int (seconds), got {type(timeout).__name__}")
    if timeout < 1:
        raise ValueError(f"`timeout` must be a positive int (seconds), got {timeout}")
    return timeout


def export(course_root="."):
    """Write ``grading/grades.csv``: one row per student per lab (nbgrader's CSV export).

    Columns include ``assignment``, ``student_id``, ``raw_score``, ``score`` and
    ``max_score``; a lab a student did not submit scores 0. Written answers count
    once graded in nbgrader's formgrader, 0 until then.
    """
    root = _course(course_root)
    out = root / GRADING_DIR / "grades.csv"
    api = nbgrader_api(root)
    from nbgrader.plugins import CsvExportPlugin

    with gradebook(api) as gb:
        CsvExportPlugin(to=str(out)).export(gb)
    from cnnlab.grading.isolate import add_review_columns

    add_review_columns(root, out)
    return out


def grade(submissions, course_root=".", labs=None, timeout=None, *, jobs=1, require_sandbox=False):
    """Collect, autograde (`jobs` submissions at a time, each isolated), write feedback and export.

    Returns
    -------
    dict
        The :func:`collect` report plus ``"results"`` (:func:`autograde`), ``"failed"`` (the
        (student, lab) pairs that could not be graded: they score 0 and are marked for review)
        and ``"grades"``, the path of ``grades.csv``.
    """
    root = _course(course_root)
    labs = _check_labs(root, labs)
    report = collect(submissions, root, labs)
    submitted = sorted({lab for _, lab in report["collected"]}, key=labs.index)
    release(root, submitted)                 # the gradebook must know each lab and its test cells
    report["results"] = autograde(root, submitted, timeout, jobs=jobs, require_sandbox=require_sandbox)
    report["failed"] = [(r["student"], r["lab"]) for r in report["results"] if r["error"]]
    report["grades"] = export(root)
    return report
