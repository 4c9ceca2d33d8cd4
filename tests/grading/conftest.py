"""A tiny course for the grading tests: two one-cell labs, no grading run needed."""

import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]


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
