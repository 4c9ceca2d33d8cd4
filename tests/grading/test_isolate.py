"""Grading that one student cannot break: attacks and faults, graded together with an honest student.

Six lab 1 submissions go through ``python -m cnnlab.grading grade --jobs 2`` in one course:
alice (honest), mallory (a correct first answer that also attacks the course: writes into it,
overwrites the lab's source notebook, lists the other submissions and sets every score in the
gradebook to 999), rulebreaker (answers that call what the lab forbids), patcher (replaces
``torch.testing.assert_close`` with a no-op to pass a wrong ``zero_pad``), and crasher and
vandal (a memory bomb, ``os._exit``, 300 MB of output, ``sys.exit``; a fork bomb, a deleted, a
moved and a re-pointed test cell). Checked: the instructor's files are unchanged (hashes), each
student scores exactly what their own work earns, and the grader's notes flag what it should.
"""

import csv
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cnnlab.grading import sandbox

ROOT = Path(__file__).resolve().parents[2]
LAB = "lab1-convolution"
POINTS = {"test_conv_output_size": 2, "test_zero_pad": 2, "test_conv2d_loops": 3, "test_conv2d_general": 4}


def _cell(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _answered(released, source):
    """The student version with the model answers typed in (without the solution markers)."""
    nb = nbformat.from_dict(json.loads(json.dumps(released)))
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            lines = [ln for ln in cell.source.splitlines() if "### BEGIN SOLUTION" not in ln
                     and "### END SOLUTION" not in ln]
            _cell(nb, meta["grade_id"]).source = "\n".join(lines)
    return nb


def _hashes(course):
    files = [p for p in sorted(course.rglob("*")) if p.is_file() and "grading" not in p.relative_to(course).parts]
    return {str(p.relative_to(course)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


ATTACK = '''
import os, pathlib, sqlite3
course = pathlib.Path({course!r})
for attack in (lambda: (course / "pwned.txt").write_text("was here"),
               lambda: (course / "labs" / "{lab}" / "{lab}.ipynb").write_text("{{}}"),
               lambda: print(os.listdir(course / "grading" / "submitted")),
               lambda: sqlite3.connect(course / "grading" / "gradebook.db").execute(
                   "update grade set manual_score = 999").connection.commit()):
    try:
        attack()
    except Exception as error:
        print("attack failed:", type(error).__name__)
'''


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("isolation")
    course = tmp / "course"
    shutil.copytree(ROOT / "labs" / LAB, course / "labs" / LAB)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    subprocess.run([sys.executable, "-m", "cnnlab.grading", "--course", str(course), "release"], check=True,
                   capture_output=True, stdin=subprocess.DEVNULL)
    source = nbformat.read(course / "labs" / LAB / f"{LAB}.ipynb", as_version=4)
    honest = _answered(nbformat.read(course / "release" / LAB / f"{LAB}.ipynb", as_version=4), source)
    subs = {}

    def variant(name, **answers):
        nb = nbformat.from_dict(json.loads(json.dumps(honest)))
        for gid, change in answers.items():
            _cell(nb, gid).source = change(_cell(nb, gid).source)
        subs[name] = nb
        return nb

    variant("alice")
    variant("mallory", conv_output_size=lambda s: s + ATTACK.format(course=str(course), lab=LAB))
    variant("rulebreaker",
            conv_output_size=lambda s: "import cnnlab\ndef conv_output_size(n, kernel_size, stride=1, padding=0, "
            "dilation=1):\n    return cnnlab.conv_output_size(n, kernel_size, stride, padding, dilation)",
            zero_pad=lambda s: "def zero_pad(x, padding):\n    ph, pw = pair(padding)\n"
            "    return F.pad(x, (pw, pw, ph, ph))",
            conv2d_general=lambda s: "def conv2d_general(x, weight, bias=None, stride=1, padding=0, dilation=1):\n"
            "    return F.conv2d(x, weight, bias, stride, padding, dilation)")
    variant("patcher", zero_pad=lambda s: "import torch\ntorch.testing.assert_close = lambda *a, **k: None\n"
            "def zero_pad(x, padding):\n    ph, pw = pair(padding)\n    N, C, H, W = x.shape\n"
            "    return x.new_zeros((N, C, H + 2 * ph, W + 2 * pw))")
    variant("crasher",
            conv_output_size=lambda s: s.replace('    """\n', '    """\n    hog = []\n    while True:\n'
                                                 '        hog.append(bytearray(2**28))\n', 1),
            zero_pad=lambda s: "import os\n" + s.replace('    """\n', '    """\n    os._exit(1)\n', 1),
            conv2d_loops=lambda s: "for _ in range(300):\n    print('x' * 1_000_000)\n" + s,
            conv2d_general=lambda s: "import sys\n" + s.replace('    """\n', '    """\n    sys.exit(0)\n', 1))
    vandal = variant("vandal")
    vandal.cells.append(nbformat.v4.new_code_cell(  # a cell of the student's own, at the end
        "import os, time\nwhile True:\n    if os.fork() == 0:\n        time.sleep(60)"))
    vandal.cells.remove(_cell(vandal, "test_zero_pad"))
    moved = _cell(vandal, "test_conv2d_loops")
    vandal.cells.remove(moved)
    vandal.cells.insert(1, moved)
    _cell(vandal, "test_conv2d_general").metadata["nbgrader"]["points"] = 100
    for name, nb in subs.items():
        (tmp / "subs" / name).mkdir(parents=True)
        nbformat.write(nb, tmp / "subs" / name / f"{LAB}.ipynb")
    before = _hashes(course)
    done = subprocess.run([sys.executable, "-m", "cnnlab.grading", "--course", str(course), "grade",
                           str(tmp / "subs"), "--timeout", "20", "--jobs", "2"],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    results = {name: json.loads((course / "grading" / "results" / name / f"{LAB}.json").read_text())
               for name in subs}
    with open(course / "grading" / "grades.csv", newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    return {"course": course, "before": before, "results": results, "rows": rows, "stderr": done.stderr}


def _scores(graded, name):
    return {gid: g["auto_score"] if g["manual_score"] is None else g["manual_score"]
            for gid, g in graded["results"][name]["grades"].items() if gid in POINTS}


def _messages(graded, name):
    return " ".join(n["message"] for n in graded["results"][name]["notes"])


pytestmark = pytest.mark.skipif(not sandbox.available(), reason="bubblewrap cannot create a sandbox here")


def test_the_instructors_files_are_unchanged(graded):
    assert _hashes(graded["course"]) == graded["before"]
    assert not (graded["course"] / "pwned.txt").exists()


def test_every_score_is_the_students_own(graded):
    full = dict(POINTS)
    assert _scores(graded, "alice") == full
    assert _scores(graded, "mallory") == full              # a correct answer, attacks or not
    assert _scores(graded, "rulebreaker") == full | {"test_conv_output_size": 0, "test_zero_pad": 0,
                                                      "test_conv2d_general": 0}
    assert _scores(graded, "patcher") == full | {"test_zero_pad": 0, "test_conv2d_general": 0}  # uses zero_pad
    assert _scores(graded, "crasher") == {"test_conv_output_size": 0, "test_zero_pad": 0, "test_conv2d_loops": 3,
                                          "test_conv2d_general": 0}
    assert _scores(graded, "vandal") == full
    score = {name: float(row["score"]) for name, row in graded["rows"].items()}
    assert score == {"alice": 11, "mallory": 11, "rulebreaker": 3, "patcher": 5, "crasher": 3, "vandal": 11}
    assert all(float(row["max_score"]) == 14 for row in graded["rows"].values())  # edited points ignored


def test_attacks_and_tampering_are_flagged(graded):
    review = {name: row["review"] for name, row in graded["rows"].items()}
    assert review == {"alice": "", "mallory": "yes", "rulebreaker": "", "patcher": "yes", "crasher": "",
                      "vandal": "yes"}
    assert "sqlite3" in _messages(graded, "mallory")
    assert "torch.testing.assert_close" in _messages(graded, "patcher")
    for part, name in (("conv_output_size", "cnnlab.conv_output_size"), ("zero_pad", "torch.nn.functional"),
                       ("conv2d_general", "torch.nn.functional")):
        assert f"{part} uses {name}" in _messages(graded, "rulebreaker")
    vandal = _messages(graded, "vandal")
    assert "'test_zero_pad' was deleted" in vandal and "moved" in vandal and "metadata" in vandal


def test_faults_are_reported_in_the_feedback(graded):
    course = graded["course"]
    html = (course / "grading" / "feedback" / "crasher" / LAB / f"{LAB}.html").read_text(encoding="utf-8")
    assert "KernelDied" in html and "SystemExit" in html and "MemoryError" in html
    assert "cut this cell" in html and len(html) < 3_000_000
    rules = (course / "grading" / "feedback" / "rulebreaker" / LAB / f"{LAB}.html").read_text(encoding="utf-8")
    assert "which the lab" in rules and "Notes from the grader" in rules
    fork = (course / "grading" / "feedback" / "vandal" / LAB / f"{LAB}.html").read_text(encoding="utf-8")
    assert "BlockingIOError" in fork  # the fork bomb met the process limit
