"""cnnlab.grading.isolate: `--jobs` changes nothing but the time; without a sandbox, loud or refused."""

import csv
import shutil

import nbformat
import pytest

from cnnlab import grading
from cnnlab.grading import isolate
from tests.grading.conftest import _toy_lab


def _submissions(folder):
    right, wrong = _toy_lab(), _toy_lab()
    wrong.cells[0].source = "def square(x):\n    return x + x"
    for student, nb in (("ann", right), ("ben", wrong)):
        (folder / student).mkdir(parents=True)
        nbformat.write(nb, folder / student / "toy.ipynb")
    return folder


def _graded(course, subs, jobs):
    report = grading.grade(subs, course, jobs=jobs, timeout=20)
    with open(report["grades"], newline="") as f:
        rows = {(r["student_id"], r["assignment"]): (r["score"], r["max_score"], r["review"], r["notes"])
                for r in csv.DictReader(f)}
    results = {(r["student"], r["lab"]): (r["grades"], r["notes"], r["review"], r["error"])
               for r in report["results"]}
    return rows, results


def test_jobs_change_only_the_time_and_no_sandbox_is_said(toy_course, tmp_path, monkeypatch, capsys):
    subs = _submissions(tmp_path / "subs")
    courses = [tmp_path / name for name in ("one", "two", "bare")]
    for course in courses:
        shutil.copytree(toy_course, course)
    one, two = _graded(courses[0], subs, jobs=1), _graded(courses[1], subs, jobs=2)
    assert one == two
    rows = one[0]
    assert rows[("ann", "toy")][:2] == ("1.0", "1.0") and rows[("ben", "toy")][:2] == ("0.0", "1.0")

    monkeypatch.setattr(isolate, "available", lambda: False)
    capsys.readouterr()
    bare_rows, bare_results = _graded(courses[2], subs, jobs=2)
    assert "UNSANDBOXED" in capsys.readouterr().err
    assert {key: row[:2] for key, row in bare_rows.items()} == {key: row[:2] for key, row in rows.items()}
    assert all(row[3].startswith("graded without a sandbox") for row in bare_rows.values())
    assert all(not result["sandboxed"] for result in isolate.read_results(courses[2]).values())


def test_require_sandbox_refuses_without_one(toy_course, monkeypatch):
    monkeypatch.setattr(isolate, "available", lambda: False)
    with pytest.raises(RuntimeError, match="--require-sandbox was given"):
        grading.autograde(toy_course, require_sandbox=True)
    assert isolate.sandbox_or_warning(False) is False
