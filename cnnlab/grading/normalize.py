"""Put a submission back into the shape of the lab before it is graded, and say what was changed.

A submission is rebuilt from the lab's source as recorded at release: every nbgrader cell comes
back in its place and with its metadata (points and grade ids from the source, never from the
student), locked cells and tests as released, answers as the student wrote them; the student's
own extra cells stay after the cell they followed. Nothing is silently dropped: each repair is a
:class:`Note` for the feedback, and those that look like tampering ask for a person's review.

Then the answers are read (not run) for what the lab's rules forbid (``labs/<lab>/rules.json``:
``{"forbidden": {answer_id: [dotted names]}, "tests": {answer_id: [test ids]}, "refuse": [dotted
functions]}``; a module name forbids everything in it; "refuse" lists the functions that also refuse,
at run time, to be called from an answer: :mod:`cnnlab.grading.guard`) and for code that
replaces the functions the tests rely on (``torch.testing.assert_close = ...``, ``setattr`` on a
module, ``sys.modules``, ``builtins``...).
"""

from __future__ import annotations

import ast
import copy
from dataclasses import asdict, dataclass

STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
#: Names that mean code reaches for the machinery of the tests rather than for the answer.
SUSPICIOUS = {"setattr", "delattr", "__builtins__", "builtins", "sys.modules", "gc", "ctypes", "globals",
              "unittest.mock", "mock", "inspect", "importlib.reload", "sqlite3", "subprocess", "os.system"}


@dataclass(frozen=True)
class Note:
    """One thing the grader changed or found: shown in the feedback, kept in grades.csv."""

    kind: str        # 'restored', 'reordered', 'metadata', 'forbidden', 'tampering', 'kernel'
    cell: str        # the grade id it concerns ('' for the whole notebook)
    message: str
    review: bool     # a person should look at this submission
    zero: tuple = ()  # test cells that score 0 because of it

    def as_dict(self):
        return asdict(self)


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _grade_id(cell):
    return _meta(cell).get("grade_id")


def rebuild(source, submission, released=None):
    """(notebook to grade, notes): `submission` in the structure of `source` (nbformat v4 dicts).

    A locked cell counts as edited when it differs from the student version, `released` (the
    source by default: the student version lacks the hidden tests).
    """
    given = {_grade_id(c): c for c in (released or source)["cells"] if _grade_id(c)}
    notes = []
    ids = [_grade_id(c) for c in source["cells"] if _grade_id(c)]
    theirs = {}
    extras = {}  # grade id of the cell they follow (None: the top) -> the student's own cells
    last = None
    for cell in submission.get("cells", []):
        gid = _grade_id(cell)
        if gid in ids and gid not in theirs:
            theirs[gid] = cell
            last = gid
        else:
            if gid:
                notes.append(Note("metadata", gid, f"a cell with the unknown or repeated grade id {gid!r} was "
                                  "graded as an ordinary cell of yours", True))
            extras.setdefault(last, []).append(_plain(cell))
    order = [gid for gid in (_grade_id(c) for c in submission.get("cells", [])) if gid in theirs]
    if order != [gid for gid in ids if gid in theirs]:
        notes.append(Note("reordered", "", "nbgrader cells were moved; they are graded in the lab's order", True))
    cells = copy.deepcopy(extras.get(None, []))
    for cell in source["cells"]:
        gid = _grade_id(cell)
        cells.append(_merge(cell, theirs.get(gid), notes, given.get(gid, cell)) if gid else copy.deepcopy(cell))
        cells += copy.deepcopy(extras.get(gid, []))
    notebook = copy.deepcopy(source)
    notebook["cells"] = cells
    return notebook, notes


def _plain(cell):
    """A student's own cell, without nbgrader metadata (it is graded as nothing)."""
    cell = copy.deepcopy(cell)
    cell.get("metadata", {}).pop("nbgrader", None)
    return cell


def _merge(cell, student, notes, released):
    gid, meta = _grade_id(cell), _meta(cell)
    merged = copy.deepcopy(cell)
    if student is None:
        if meta.get("solution"):
            merged["source"] = STUB if cell["cell_type"] == "code" else "YOUR ANSWER HERE"
            notes.append(Note("restored", gid, f"your answer cell {gid!r} was missing: graded as blank", False))
        else:
            notes.append(Note("restored", gid, f"the cell {gid!r} was deleted: restored from the lab", True))
        return merged
    ours = {k: meta.get(k) for k in ("grade", "solution", "locked", "points", "grade_id")}
    if {k: _meta(student).get(k) for k in ours} != ours:
        notes.append(Note("metadata", gid, f"the nbgrader metadata of {gid!r} was edited: the lab's is used", True))
    if meta.get("solution"):
        merged["source"] = student.get("source", "")
    elif "".join(student.get("source", "")) != "".join(released.get("source", "")) and meta.get("locked"):
        notes.append(Note("restored", gid, f"the locked cell {gid!r} was edited: the lab's version is graded", True))
    return merged


# --------------------------------------------------------------------------- reading the answers
def _aliases(notebook):
    """Names bound by the notebook's imports -> the dotted module path they stand for."""
    names = {}
    for cell in notebook["cells"]:
        for node in _nodes(cell):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    names[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
            elif isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _nodes(cell):
    if cell["cell_type"] != "code":
        return []
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        return list(ast.walk(ast.parse("\n".join(lines))))
    except SyntaxError:
        return []


def _dotted(node, aliases):
    """`F.conv2d` -> 'torch.nn.functional.conv2d' (None for what is not a name or attribute chain)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([aliases.get(node.id, node.id), *reversed(parts)])


def read_answers(notebook, rules):
    """Notes for forbidden calls and for code that replaces library functions, cell by cell."""
    notes = []
    aliases = _aliases(notebook)
    forbidden, tests = rules.get("forbidden", {}), rules.get("tests", {})
    for cell in notebook["cells"]:
        gid = _grade_id(cell)
        if gid and not _meta(cell).get("solution"):
            continue  # the lab's own cells
        used = {name for node in _nodes(cell) if isinstance(node, (ast.Attribute, ast.Name))
                for name in [_dotted(node, aliases)] if name}
        for rule in forbidden.get(gid, []):
            hits = sorted(n for n in used if n == rule or n.startswith(rule + "."))
            if hits:
                notes.append(Note("forbidden", gid, f"{gid} uses {max(hits, key=len)}, which the lab's rules forbid: "
                                  f"the tests of this part score 0", False, tuple(tests.get(gid, ()))))
                break
        notes += _tampering(cell, gid or "your own cell", used, aliases)
    return notes


def _tampering(cell, where, used, aliases):
    notes = []
    modules = set(aliases.values()) | set(aliases)
    for node in _nodes(cell):
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else
            node.targets if isinstance(node, ast.Delete) else [])
        for target in targets:
            name = _dotted(target, aliases) if isinstance(target, ast.Attribute) else None
            if name and name.split(".")[0] in {m.split(".")[0] for m in modules}:
                notes.append(Note("tampering", where, f"{where} replaces {name}: the tests use their own copy, "
                                  "and a person will look at this submission", True))
    odd = sorted(n for n in used if n in SUSPICIOUS or n.split(".")[0] in {"gc", "ctypes", "sqlite3", "subprocess"})
    if odd:
        notes.append(Note("tampering", where, f"{where} uses {', '.join(odd)}: a person will look at this submission",
                          True))
    return notes
