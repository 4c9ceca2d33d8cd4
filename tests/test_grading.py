"""cnnlab.grading: collecting submissions, and every lab round-tripped through stock nbgrader.

The round trip puts five students through the grader for each lab, in a temporary course:
alice hands in the source notebook (full marks), bob the untouched student version (0),
carol an endless loop in one answer, dave that answer blank and its locked test cell edited to
pass, erin a syntax error in it. Carol, dave and erin lose exactly the tests that depend on that
answer and keep everything else.
"""

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cnnlab import grading

ROOT = Path(__file__).resolve().parents[1]
LABS = grading.find_labs(ROOT)

# For each lab: the answer cell the round trip breaks, and the grade cells that fail without it.
BREAK = {
    "lab1-convolution": ("conv2d_loops", ["test_conv2d_loops"]),
    "lab2-first-cnn": ("max_pool2d", ["test_max_pool2d"]),
    "lab3-blocks": ("depthwise_separable", ["test_depthwise_separable"]),
    "lab4-augment-denoise": ("random_shift", ["test_random_shift"]),
}
TIMEOUT = 20  # seconds per cell in the round trip (the slowest lab cell takes well under 10)


def _meta(grade_id, *, grade=False, solution=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def _toy_lab():
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION",
                                  metadata=_meta("square", solution=True)),
        nbformat.v4.new_code_cell("assert square(3) == 9", metadata=_meta("test_square", grade=True, locked=True,
                                                                            points=1)),
    ]
    return nb


@pytest.fixture
def toy_course(tmp_path):
    """A course folder with two tiny labs, toy and toy-extra (no grading run needed)."""
    course = tmp_path / "course"
    for lab in ("toy", "toy-extra"):
        (course / "labs" / lab).mkdir(parents=True)
        nbformat.write(_toy_lab(), course / "labs" / lab / f"{lab}.ipynb")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    return course


def test_find_labs_lists_the_course_labs(toy_course):
    assert grading.find_labs(toy_course) == ["toy", "toy-extra"]
    assert len(LABS) == 4 and all(lab.startswith(f"lab{i}-") for i, lab in enumerate(LABS, 1))


def test_every_lab_is_in_the_book_and_the_round_trip():
    toc = (ROOT / "_toc.yml").read_text()
    assert [lab for lab in LABS if f"release/{lab}/{lab}" not in toc] == []
    assert sorted(BREAK) == LABS


def test_course_root_must_hold_an_nbgrader_config(tmp_path):
    with pytest.raises(ValueError, match="`course_root` must be a folder with an nbgrader_config.py"):
        grading.find_labs(tmp_path)


def test_unknown_lab_is_named(toy_course):
    with pytest.raises(ValueError, match=r"`labs` must name labs of this course \['toy', 'toy-extra'\], got \['lab9'\]"):
        grading.collect(toy_course, toy_course, labs=["lab9"])


def test_collect_finds_notebooks_in_any_layout(toy_course, tmp_path):
    subs = tmp_path / "subs"
    nb = _toy_lab()
    for rel in ["ann/toy.ipynb", "ann/toy-extra (2).ipynb",                 # downloaded twice: a suffix
                "ben/toy/toy.ipynb", "ben/.ipynb_checkpoints/toy-checkpoint.ipynb",
                "cy/my homework.ipynb"]:                                    # renamed: found by its cells
        (subs / rel).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, subs / rel)
    (subs / "cy" / "notes.ipynb").write_text(json.dumps({"cells": [], "metadata": {}}))
    report = grading.collect(subs, toy_course)
    assert sorted(report["collected"]) == [("ann", "toy"), ("ann", "toy-extra"), ("ben", "toy"), ("cy", "toy")]
    assert report["ignored"] == [(str(subs / "cy" / "notes.ipynb"), "not a notebook of these labs")]
    for student, lab in report["collected"]:
        assert (toy_course / "grading" / "submitted" / student / lab / f"{lab}.ipynb").is_file()


def test_collect_rejects_ambiguous_and_badly_named_submissions(toy_course, tmp_path):
    subs = tmp_path / "subs"
    (subs / "ann").mkdir(parents=True)
    nbformat.write(_toy_lab(), subs / "ann" / "toy.ipynb")
    nbformat.write(_toy_lab(), subs / "ann" / "toy (1).ipynb")
    with pytest.raises(ValueError, match="student 'ann' has two notebooks for toy"):
        grading.collect(subs, toy_course)
    shutil.rmtree(subs / "ann")
    (subs / "a b").mkdir()
    with pytest.raises(ValueError, match="student folder names must be ids.*got 'a b'"):
        grading.collect(subs, toy_course)
    with pytest.raises(ValueError, match="`submissions` must be a folder with one sub-folder per student"):
        grading.collect(tmp_path / "nowhere", toy_course)


@pytest.mark.parametrize("timeout, error", [(0, ValueError), (2.5, TypeError), (True, TypeError)])
def test_timeout_must_be_a_positive_int(toy_course, timeout, error):
    with pytest.raises(error, match="`timeout` must be a positive int"):
        grading.autograde(toy_course, timeout=timeout)


def test_cli_reports_bad_input_without_a_traceback(toy_course, tmp_path):
    done = subprocess.run([sys.executable, "-m", "cnnlab.grading", "--course", str(toy_course), "grade",
                           str(tmp_path / "nowhere")], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.startswith("error: `submissions` must be a folder") and "Traceback" not in done.stderr


# ---- the round trip through nbgrader, one lab at a time -------------------------------------------

def _cli(course, *args):
    done = subprocess.run([sys.executable, "-m", "cnnlab.grading", "--course", str(course), *args],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _cell(nb, grade_id):
    matches = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    assert len(matches) == 1, f"{grade_id!r} names {len(matches)} cells"
    return matches[0]


def _points(nb):
    """(autograded points, written points) of a source notebook."""
    auto = written = 0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            if meta.get("solution"):
                written += meta["points"]
            else:
                auto += meta["points"]
    return auto, written


def _errors(notebook_path):
    nb = nbformat.read(notebook_path, as_version=4)
    return {out.get("ename") for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs}


@pytest.mark.parametrize("lab", LABS)
def test_grading_round_trip(lab, tmp_path):
    course = tmp_path / "course"
    (course / "labs").mkdir(parents=True)
    shutil.copytree(ROOT / "labs" / lab, course / "labs" / lab)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    _cli(course, "release")
    source = nbformat.read(course / "labs" / lab / f"{lab}.ipynb", as_version=4)
    student = nbformat.read(course / "release" / lab / f"{lab}.ipynb", as_version=4)
    answer, dependants = BREAK[lab]
    auto, written = _points(source)
    lost = sum(_cell(source, gid).metadata.nbgrader.points for gid in dependants)
    assert 0 < lost < auto

    def submit(name, nb):
        (tmp_path / "subs" / name).mkdir(parents=True)
        nbformat.write(nb, tmp_path / "subs" / name / f"{lab}.ipynb")

    submit("alice", source)
    submit("bob", student)
    looping = nbformat.from_dict(json.loads(json.dumps(source)))
    _cell(looping, answer).source = "while True:   # never ends\n    pass\n" + _cell(source, answer).source
    submit("carol", looping)
    tampered = nbformat.from_dict(json.loads(json.dumps(source)))
    _cell(tampered, answer).source = _cell(student, answer).source
    for gid in dependants:
        _cell(tampered, gid).source = "pass  # the tests were in my way"
    submit("dave", tampered)
    broken = nbformat.from_dict(json.loads(json.dumps(source)))
    _cell(broken, answer).source = _cell(source, answer).source + "\nthis line is not python\n"
    submit("erin", broken)

    out = _cli(course, "grade", str(tmp_path / "subs"), "--timeout", str(TIMEOUT))
    assert "collected 5 notebooks from 5 students" in out

    with open(course / "grading" / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted((r["student_id"], r["assignment"]) for r in rows) == [
        (s, lab) for s in ("alice", "bob", "carol", "dave", "erin")]
    score = {r["student_id"]: float(r["score"]) for r in rows}
    assert all(float(r["max_score"]) == auto + written for r in rows)
    # written answers wait for a person: the source's model answers are not points yet
    assert score == pytest.approx({"alice": auto, "bob": 0.0, "carol": auto - lost, "dave": auto - lost,
                                   "erin": auto - lost})
    graded = course / "grading" / "autograded"
    assert "CellTimeoutError" in _errors(graded / "carol" / lab / f"{lab}.ipynb")
    assert "SyntaxError" in _errors(graded / "erin" / lab / f"{lab}.ipynb")
    restored = nbformat.read(graded / "dave" / lab / f"{lab}.ipynb", as_version=4)
    assert all(_cell(restored, gid).source == _cell(source, gid).source for gid in dependants)
    for name in score:
        html = (course / "grading" / "feedback" / name / lab / f"{lab}.html").read_text(encoding="utf-8")
        assert f"{lab}" in html and "Score" in html
