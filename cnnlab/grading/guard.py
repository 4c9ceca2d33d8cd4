"""Cells the grader adds to a submission: the tests keep their tools, and the rules hold at run time.

:func:`guard_cell` runs first, before any cell of the lab. It wraps every function a lab's rules
forbid so that a call from inside an answer (a function the student defined in an answer cell)
raises ``RuntimeError`` naming the rule (a direct call only: library code the answer calls, such as
``nn.MaxPool2d``, may still use it), while the tests may still call it as their reference;
then it records the functions of torch, NumPy and cnnlab as they are. :func:`restore_cell` runs
before each test cell and puts back any of them that a cell of the submission replaced (say
``torch.testing.assert_close = lambda *a, **k: None``). Which code is "inside an answer" is decided by
identity: the code objects of the functions (and methods of the classes) that the answer cells
define, read from the kernel's namespace before each test. The grader removes both kinds of
cells from the graded notebook before the feedback is written.
"""

from __future__ import annotations

import json

MARK = "# cnnlab grader:"
#: Modules whose functions the tests rely on, restored before every test cell.
TRUSTED = ("torch", "torch.nn", "torch.nn.functional", "torch.testing", "numpy", "numpy.testing", "math",
           "cnnlab", "builtins")

_GUARD = '''{mark} keep the lab's rules and the tests' tools (removed from the graded notebook)
def __cnnlab_grader(rules, answers, trusted):
    import functools, importlib, sys
    codes = set()  # the code of the functions the answer cells defined, refreshed before each test

    def refusing(name, original):
        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            caller = sys._getframe(1).f_code  # only a direct call: torch's own modules call these too
            if caller in codes:
                raise RuntimeError(f"{{caller.co_name}} may not call {{name}}: the lab's rules forbid it")
            return original(*args, **kwargs)
        return wrapper

    for name in rules:
        module_name, _, attribute = name.rpartition(".")
        try:
            module = importlib.import_module(module_name)
            original = getattr(module, attribute)
        except (ImportError, AttributeError, ValueError):  # ValueError: a bare name, no module
            continue
        if isinstance(original, type) or not callable(original):
            continue  # a class or module: the static check of the answers covers it
        setattr(module, attribute, refusing(name, original))
    saved = {{}}
    for module_name in trusted:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        saved[module_name] = (module, {{k: v for k, v in vars(module).items() if callable(v)}})

    def restore():
        for module, functions in saved.values():
            current = vars(module)
            for key, value in functions.items():
                if current.get(key) is not value:
                    setattr(module, key, value)
        namespace = get_ipython().user_ns  # noqa: F821 (the kernel's)
        codes.clear()
        for name in answers:
            obj = namespace.get(name)
            for item in [obj, *(vars(obj).values() if isinstance(obj, type) else ())]:
                code = getattr(item, "__code__", None)
                if code is not None:
                    codes.add(code)
    return restore
__cnnlab_restore = __cnnlab_grader({rules}, {answers}, {trusted})
del __cnnlab_grader
'''


def guard_cell(forbidden_names, answer_functions) -> str:
    """Source of the first cell: refuse `forbidden_names` inside `answer_functions`, snapshot the rest."""
    return _GUARD.format(mark=MARK, rules=json.dumps(sorted(set(forbidden_names))),
                         answers=json.dumps(sorted(set(answer_functions))), trusted=json.dumps(list(TRUSTED)))


def restore_cell() -> str:
    """Source of the cell before each test cell."""
    return f"{MARK} restore the functions the tests rely on (removed from the graded notebook)\n__cnnlab_restore()"


def is_grader_cell(cell) -> bool:
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    return cell.get("cell_type") == "code" and source.startswith(MARK)


def answer_functions(notebook) -> set[str]:
    """Names of the functions and classes defined at the top level of the answer cells."""
    import ast

    names = set()
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] != "code" or not meta.get("solution"):
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)  # a class: its methods count (restore() reads them from the class)
    return names


def add_guards(notebook, forbidden_names) -> dict:
    """The notebook with the guard first and a restore cell before every test (grade code) cell."""
    import copy

    import nbformat

    out = copy.deepcopy(notebook)
    cells = [nbformat.v4.new_code_cell(guard_cell(forbidden_names, answer_functions(notebook)))]
    for cell in out["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("grade") and not meta.get("solution"):
            cells.append(nbformat.v4.new_code_cell(restore_cell()))
        cells.append(cell)
    out["cells"] = cells
    return out


def remove_guards(notebook) -> dict:
    """The graded notebook without the grader's cells."""
    notebook["cells"] = [c for c in notebook["cells"] if not is_grader_cell(c)]
    return notebook
