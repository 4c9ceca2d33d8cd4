"""Every lab and six hostile submissions through ``python -m cnnlab.grading grade``, in one run.

One temporary course holds every lab; one ``grade --jobs 2`` call grades, at the same time:

- **the round trip of each lab**, three students who hand in every lab: ``source`` hands in the
  source notebooks (full marks, and no cell may raise), ``blank`` the untouched student versions
  (0), and ``faulty`` notebooks with three faults in three answers, named by
  ``labs/<lab>/roundtrip.json``: an answer that never returns (an endless loop in the first lab,
  where the time limit is tested; an exception in the others), a syntax error in another, and a
  third answer left blank with its locked test cells edited to pass. ``faulty`` must lose exactly
  the test cells that depend on those answers (read per cell from the gradebook), keep the
  others, and be graded with the original tests;
- **six lab 1 submissions that try to break the grader**: alice (honest), mallory (a correct
  first answer that also attacks the course: writes into it, overwrites the lab's source
  notebook, lists the other submissions and sets every score in the gradebook to 999),
  rulebreaker (answers that call what the lab forbids), patcher (replaces
  ``torch.testing.assert_close`` with a no-op to pass a wrong ``zero_pad``), and crasher and
  vandal (a memory bomb, ``os._exit``, 300 MB of output, ``sys.exit``; a fork bomb, a deleted, a
  moved and a re-pointed test cell). Checked: the instructor's files are unchanged (hashes), each
  student scores exactly what their own work earns, and the grader's notes flag what it should.

One run instead of one per lab: the course is released once, and the 24 submissions share the
two grading processes (the round trips alone took six times the start-up and export).
"""

import csv
import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cnnlab import grading
from cnnlab.grading import sandbox

ROOT = Path(__file__).resolve().parents[1]
LABS = grading.find_labs(ROOT)
# labs/<lab>/roundtrip.json: the answer that never returns, the answer with a syntax error, the
# answer left blank whose test cells are edited to pass, those test cells, and every test cell that
# must fail because of the three (the others keep their points).
FAULTS = {lab: json.loads((ROOT / "labs" / lab / "roundtrip.json").read_text()) for lab in LABS}
TIMEOUT = 20  # seconds per cell (the slowest lab cell takes about 5 on a quiet machine)
ROUND_TRIP = ("source", "blank", "faulty")
LAB = "lab1-convolution"  # the lab the hostile submissions attack
POINTS = {"test_conv_output_size": 2, "test_zero_pad": 2, "test_conv2d_loops": 3, "test_conv2d_general": 4}
HOSTILE = ("alice", "mallory", "rulebreaker", "patcher", "crasher", "vandal")
SANDBOXED = sandbox.available()
needs_sandbox = pytest.mark.skipif(not SANDBOXED, reason="bubblewrap cannot create a sandbox here")


def _cell(nb, grade_id):
    matches = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id]
    assert len(matches) == 1, f"{grade_id!r} names {len(matches)} cells"
    return matches[0]


def _copy(nb):
    return nbformat.from_dict(json.loads(json.dumps(nb)))


def _hashes(course):
    files = [p for p in sorted(course.rglob("*")) if p.is_file() and "grading" not in p.relative_to(course).parts]
    return {str(p.relative_to(course)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _faulty(lab, source, student):
    """The source notebook with the three faults of labs/<lab>/roundtrip.json."""
    faults = FAULTS[lab]
    nb = _copy(source)
    stuck = ("while True:   # never ends\n    pass\n" if lab == LABS[0]
             else "raise NotImplementedError('not finished')\n")
    _cell(nb, faults["loop"]).source = stuck + _cell(source, faults["loop"]).source
    _cell(nb, faults["syntax"]).source = _cell(source, faults["syntax"]).source + "\nthis line is not python\n"
    _cell(nb, faults["blank"]).source = _cell(student, faults["blank"]).source
    for gid in faults["tampered"]:
        _cell(nb, gid).source = "pass  # the tests were in my way"
    return nb


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


def _hostile(course, released, source):
    """The six lab 1 submissions of the module docstring, by student."""
    honest = grading.model_answers(released, source)
    subs = {}

    def variant(name, **answers):
        nb = _copy(honest)
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
    return subs


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("graded")
    course, subs = tmp / "course", tmp / "subs"
    shutil.copytree(ROOT / "labs", course / "labs")
    shutil.copy(ROOT / "nbgrader_config.py", course)
    _cli(course, "release")
    sources = {lab: nbformat.read(course / "labs" / lab / f"{lab}.ipynb", as_version=4) for lab in LABS}
    released = {lab: nbformat.read(course / "release" / lab / f"{lab}.ipynb", as_version=4) for lab in LABS}
    handed_in = {}
    for lab in LABS:
        handed_in["source", lab] = sources[lab]
        handed_in["blank", lab] = released[lab]
        handed_in["faulty", lab] = _faulty(lab, sources[lab], released[lab])
    if SANDBOXED:  # without a sandbox the attacks would reach this machine's files
        for name, nb in _hostile(course, released[LAB], sources[LAB]).items():
            handed_in[name, LAB] = nb
    for (name, lab), nb in handed_in.items():
        (subs / name).mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, subs / name / f"{lab}.ipynb")
    before = _hashes(course)
    out = _cli(course, "grade", str(subs), "--timeout", str(TIMEOUT), "--jobs", "2")
    results = {(name, lab): json.loads((course / "grading" / "results" / name / f"{lab}.json").read_text())
               for name, lab in handed_in}
    with open(course / "grading" / "grades.csv", newline="") as f:
        rows = {(r["student_id"], r["assignment"]): r for r in csv.DictReader(f)}
    return {"course": course, "before": before, "out": out, "results": results, "rows": rows,
            "handed_in": handed_in, "sources": sources, "released": released}


def _cli(course, *args):
    done = subprocess.run([sys.executable, "-m", "cnnlab.grading", "--course", str(course), *args],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _cell_scores(gradebook):
    """{(student, notebook, grade_id): (auto_score, max_score)} read straight from nbgrader's gradebook."""
    with sqlite3.connect(gradebook) as db:
        rows = db.execute("""
            SELECT sa.student_id, nb.name, bc.name, g.auto_score, gc.max_score FROM grade g
            JOIN submitted_notebook sn ON g.notebook_id = sn.id
            JOIN notebook nb ON sn.notebook_id = nb.id
            JOIN submitted_assignment sa ON sn.assignment_id = sa.id
            JOIN base_cell bc ON g.cell_id = bc.id
            JOIN grade_cells gc ON gc.id = bc.id""").fetchall()
    return {(student, lab, name): (auto, top) for student, lab, name, auto, top in rows}


def test_every_lab_is_in_the_book_and_the_round_trip():
    toc = (ROOT / "_toc.yml").read_text()
    assert [lab for lab in LABS if f"release/{lab}/{lab}" not in toc] == []
    assert all(set(FAULTS[lab]) >= {"loop", "syntax", "blank", "tampered", "failing"} for lab in LABS)


def test_every_submission_was_collected(run):
    assert f"collected {len(run['handed_in'])} notebooks from " in run["out"]


# ---- the round trip of every lab -------------------------------------------------------------------

@pytest.mark.parametrize("lab", LABS)
def test_grading_round_trip(run, lab):
    course, source, faults = run["course"], run["sources"][lab], FAULTS[lab]
    tests, written = grading.lab_points(course, lab)
    auto = sum(tests.values())
    lost = sum(tests[gid] for gid in faults["failing"])
    assert 0 < lost < auto
    rows = {name: run["rows"][name, lab] for name in ROUND_TRIP}
    assert all(float(r["max_score"]) == auto + written for r in rows.values())
    # written answers wait for a person: the source's model answers are not points yet
    score = {name: float(r["score"]) for name, r in rows.items()}
    assert score == pytest.approx({"source": auto, "blank": 0.0, "faulty": auto - lost})
    cells = _cell_scores(course / "grading" / "gradebook.db")
    for gid, points in tests.items():
        assert cells["source", lab, gid] == (points, points)
        assert cells["blank", lab, gid] == (0, points)
        assert cells["faulty", lab, gid] == ((0 if gid in faults["failing"] else points), points), gid

    def graded(name):
        return nbformat.read(course / "grading" / "autograded" / name / lab / f"{lab}.ipynb", as_version=4)

    errors = [(cell.metadata.get("nbgrader", {}).get("grade_id"), out.get("ename"))
              for cell in graded("source").cells for out in cell.get("outputs", []) if out.output_type == "error"]
    assert errors == []  # the solutions run from top to bottom without an error
    faulty = graded("faulty")
    stuck = "CellTimeoutError" if lab == LABS[0] else "NotImplementedError"
    assert stuck in {out.get("ename") for out in _cell(faulty, faults["loop"]).outputs}
    assert "SyntaxError" in {out.get("ename") for out in _cell(faulty, faults["syntax"]).outputs}
    assert all(_cell(faulty, gid).source == _cell(source, gid).source for gid in faults["tampered"])
    for name in ROUND_TRIP:
        html = (course / "grading" / "feedback" / name / lab / f"{lab}.html").read_text(encoding="utf-8")
        assert lab in html and "Score" in html


# ---- six submissions that try to break the grader (lab 1, in the sandbox) -------------------------

def _scores(run, name):
    return {gid: g["auto_score"] if g["manual_score"] is None else g["manual_score"]
            for gid, g in run["results"][name, LAB]["grades"].items() if gid in POINTS}


def _messages(run, name):
    return " ".join(n["message"] for n in run["results"][name, LAB]["notes"])


def _rows(run):
    """The hostile students' rows of grades.csv for lab 1 (they hand in nothing else)."""
    return {name: run["rows"][name, LAB] for name in HOSTILE}


@needs_sandbox
def test_the_instructors_files_are_unchanged(run):
    assert _hashes(run["course"]) == run["before"]
    assert not (run["course"] / "pwned.txt").exists()


@needs_sandbox
def test_every_score_is_the_students_own(run):
    full = dict(POINTS)
    assert _scores(run, "alice") == full
    assert _scores(run, "mallory") == full              # a correct answer, attacks or not
    assert _scores(run, "rulebreaker") == full | {"test_conv_output_size": 0, "test_zero_pad": 0,
                                                   "test_conv2d_general": 0}
    assert _scores(run, "patcher") == full | {"test_zero_pad": 0, "test_conv2d_general": 0}  # uses zero_pad
    assert _scores(run, "crasher") == {"test_conv_output_size": 0, "test_zero_pad": 0, "test_conv2d_loops": 3,
                                       "test_conv2d_general": 0}
    assert _scores(run, "vandal") == full
    score = {name: float(row["score"]) for name, row in _rows(run).items()}
    assert score == {"alice": 11, "mallory": 11, "rulebreaker": 3, "patcher": 5, "crasher": 3, "vandal": 11}
    assert all(float(row["max_score"]) == 14 for row in _rows(run).values())  # edited points ignored


@needs_sandbox
def test_attacks_and_tampering_are_flagged(run):
    review = {name: row["review"] for name, row in _rows(run).items()}
    assert review == {"alice": "", "mallory": "yes", "rulebreaker": "", "patcher": "yes", "crasher": "",
                      "vandal": "yes"}
    assert "sqlite3" in _messages(run, "mallory")
    assert "torch.testing.assert_close" in _messages(run, "patcher")
    for part, name in (("conv_output_size", "cnnlab.conv_output_size"), ("zero_pad", "torch.nn.functional"),
                       ("conv2d_general", "torch.nn.functional")):
        assert f"{part} uses {name}" in _messages(run, "rulebreaker")
    vandal = _messages(run, "vandal")
    assert "'test_zero_pad' was deleted" in vandal and "moved" in vandal and "metadata" in vandal


@needs_sandbox
def test_faults_are_reported_in_the_feedback(run):
    course = run["course"]
    html = (course / "grading" / "feedback" / "crasher" / LAB / f"{LAB}.html").read_text(encoding="utf-8")
    assert "KernelDied" in html and "SystemExit" in html and "MemoryError" in html
    assert "cut this cell" in html and len(html) < 3_000_000
    rules = (course / "grading" / "feedback" / "rulebreaker" / LAB / f"{LAB}.html").read_text(encoding="utf-8")
    assert "which the lab" in rules and "Notes from the grader" in rules
    fork = (course / "grading" / "feedback" / "vandal" / LAB / f"{LAB}.html").read_text(encoding="utf-8")
    assert "BlockingIOError" in fork  # the fork bomb met the process limit
