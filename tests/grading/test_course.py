"""cnnlab.grading.course: finding labs and collecting submissions (every lab graded: tests/test_grading_every_lab.py)."""

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from cnnlab import grading
from tests.grading.conftest import _toy_lab

ROOT = Path(__file__).resolve().parents[2]
LABS = grading.find_labs(ROOT)


def test_find_labs_lists_the_course_labs(toy_course):
    assert grading.find_labs(toy_course) == ["toy", "toy-extra"]
    assert len(LABS) >= 4 and all(lab.startswith(f"lab{i}-") for i, lab in enumerate(LABS, 1))


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


def test_model_answers_types_the_solutions_into_the_student_version():
    source = _toy_lab()
    released = _toy_lab()
    released.cells[0].source = "def square(x):\n    raise NotImplementedError()"
    released.cells[1].metadata["nbgrader"]["checksum"] = "kept"
    before = json.dumps(released)
    answered = grading.model_answers(released, source)
    assert answered.cells[0].source == "def square(x):\n    return x * x"
    assert answered.cells[1] == released.cells[1]          # tests and their metadata as released
    assert json.dumps(released) == before                  # the arguments are not changed


def test_model_answers_names_what_is_wrong():
    with pytest.raises(TypeError, match="`released` must be a notebook.*got str"):
        grading.model_answers("lab.ipynb", _toy_lab())
    released = _toy_lab()
    released.cells[0].metadata["nbgrader"]["grade_id"] = "renamed"
    with pytest.raises(ValueError, match="grade_id 'square'.*holds 0"):
        grading.model_answers(released, _toy_lab())
