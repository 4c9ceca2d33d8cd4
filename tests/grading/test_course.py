"""cnnlab.grading.course: collecting submissions, and every lab round-tripped through stock nbgrader.

The round trip puts three students through the grader for each lab, in a temporary course:
alice hands in the source notebook (full marks), bob the untouched student version (0), and
mallory a notebook with three faults in three answers: an endless loop in one, a syntax error in
another, and a third answer left blank with its locked test cells edited to pass. Mallory must
lose exactly the test cells that depend on those answers (read per cell from the gradebook),
keep the others, and be graded with the original tests.
"""

import csv
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cnnlab import grading
from tests.grading.conftest import _toy_lab

ROOT = Path(__file__).resolve().parents[2]
LABS = grading.find_labs(ROOT)

# Each lab's labs/<lab>/roundtrip.json names mallory's faults: the answer with an endless loop, the
# answer with a syntax error, the answer left blank whose test cells she edited to pass, those test
# cells, and every test cell that must fail because of the three (the others keep their points).
FAULTS = {lab: json.loads((ROOT / "labs" / lab / "roundtrip.json").read_text()) for lab in LABS}
TIMEOUT = 20  # seconds per cell in the round trip (the slowest lab cell takes about 5 on a quiet machine)


def test_find_labs_lists_the_course_labs(toy_course):
    assert grading.find_labs(toy_course) == ["toy", "toy-extra"]
    assert len(LABS) >= 4 and all(lab.startswith(f"lab{i}-") for i, lab in enumerate(LABS, 1))


def test_every_lab_is_in_the_book_and_the_round_trip():
    toc = (ROOT / "_toc.yml").read_text()
    assert [lab for lab in LABS if f"release/{lab}/{lab}" not in toc] == []
    assert all(set(FAULTS[lab]) >= {"loop", "syntax", "blank", "tampered", "failing"} for lab in LABS)


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


def _cell_scores(gradebook):
    """{(student, grade_id): (auto_score, max_score)} read straight from nbgrader's gradebook."""
    with sqlite3.connect(gradebook) as db:
        rows = db.execute("""
            SELECT sa.student_id, bc.name, g.auto_score, gc.max_score FROM grade g
            JOIN submitted_notebook sn ON g.notebook_id = sn.id
            JOIN submitted_assignment sa ON sn.assignment_id = sa.id
            JOIN base_cell bc ON g.cell_id = bc.id
            JOIN grade_cells gc ON gc.id = bc.id""").fetchall()
    return {(student, name): (auto, top) for student, name, auto, top in rows}


@pytest.mark.parametrize("lab", LABS)
def test_grading_round_trip(lab, tmp_path):
    course = tmp_path / "course"
    (course / "labs").mkdir(parents=True)
    shutil.copytree(ROOT / "labs" / lab, course / "labs" / lab)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    _cli(course, "release")
    source = nbformat.read(course / "labs" / lab / f"{lab}.ipynb", as_version=4)
    student = nbformat.read(course / "release" / lab / f"{lab}.ipynb", as_version=4)
    faults = FAULTS[lab]
    tests, written = grading.lab_points(course, lab)
    auto = sum(tests.values())
    lost = sum(tests[gid] for gid in faults["failing"])
    assert 0 < lost < auto

    def submit(name, nb):
        (tmp_path / "subs" / name).mkdir(parents=True)
        nbformat.write(nb, tmp_path / "subs" / name / f"{lab}.ipynb")

    submit("alice", source)
    submit("bob", student)
    faulty = nbformat.from_dict(json.loads(json.dumps(source)))
    _cell(faulty, faults["loop"]).source = "while True:   # never ends\n    pass\n" + _cell(source, faults["loop"]).source
    _cell(faulty, faults["syntax"]).source = _cell(source, faults["syntax"]).source + "\nthis line is not python\n"
    _cell(faulty, faults["blank"]).source = _cell(student, faults["blank"]).source
    for gid in faults["tampered"]:
        _cell(faulty, gid).source = "pass  # the tests were in my way"
    submit("mallory", faulty)

    out = _cli(course, "grade", str(tmp_path / "subs"), "--timeout", str(TIMEOUT), "--jobs", "2")
    assert "collected 3 notebooks from 3 students" in out

    with open(course / "grading" / "grades.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted((r["student_id"], r["assignment"]) for r in rows) == [(s, lab) for s in ("alice", "bob", "mallory")]
    assert all(float(r["max_score"]) == auto + written for r in rows)
    # written answers wait for a person: the source's model answers are not points yet
    score = {r["student_id"]: float(r["score"]) for r in rows}
    assert score == pytest.approx({"alice": auto, "bob": 0.0, "mallory": auto - lost})
    cells = _cell_scores(course / "grading" / "gradebook.db")
    for gid, points in tests.items():
        assert cells["alice", gid] == (points, points)
        assert cells["bob", gid] == (0, points)
        assert cells["mallory", gid] == ((0 if gid in faults["failing"] else points), points), gid

    graded = nbformat.read(course / "grading" / "autograded" / "mallory" / lab / f"{lab}.ipynb", as_version=4)
    assert "CellTimeoutError" in {out.get("ename") for out in _cell(graded, faults["loop"]).outputs}
    assert "SyntaxError" in {out.get("ename") for out in _cell(graded, faults["syntax"]).outputs}
    assert all(_cell(graded, gid).source == _cell(source, gid).source for gid in faults["tampered"])
    for name in score:
        html = (course / "grading" / "feedback" / name / lab / f"{lab}.html").read_text(encoding="utf-8")
        assert lab in html and "Score" in html
