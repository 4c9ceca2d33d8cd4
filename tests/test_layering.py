"""The package's layering holds: arrows point down only, no circle, no private name crosses a module.

Layers, bottom to top: ``_checks``; ``ops``; ``cost``, ``nets`` and ``data`` (which may not import
each other); ``train``; ``viz``. ``grading`` stands apart and nothing imports it or ``viz``
(``cnnlab/__init__.py`` loads both lazily, by name). Every import counts, those inside
functions too.
"""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cnnlab"
RANK = {"_checks": 0, "ops": 1, "cost": 2, "nets": 2, "data": 2, "train": 3, "viz": 4, "grading": 5}
# what each layer may import besides its own subpackage
ALLOWED = {
    "_checks": set(),
    "ops": {"_checks"},
    "cost": {"_checks", "ops"},
    "nets": {"_checks", "ops"},
    "data": {"_checks", "ops"},
    "train": {"_checks", "ops", "cost", "nets", "data"},
    "viz": {"_checks", "ops", "cost", "nets", "data", "train"},
    "grading": {"_checks"},
}
MAX_LINES = 330  # "about 300": one concept a reader can read top to bottom


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer(module: str) -> str:
    return module.split(".")[1] if module != "cnnlab" else ""


def imports(path: Path):
    """(module imported, names taken from it, line) for every import of cnnlab in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cnnlab"):
            names = [alias.name for alias in node.names]
            submodules = [f"{node.module}.{n}" for n in names if f"{node.module}.{n}" in MODULES]
            yield node.module, [n for n in names if f"{node.module}.{n}" not in MODULES], node.lineno
            for sub in submodules:
                yield sub, [], node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("cnnlab"):
                    yield alias.name, [], node.lineno


def edges():
    for name, path in MODULES.items():
        if name == "cnnlab":
            continue
        for target, names, line in imports(path):
            yield name, target, names, line


def test_the_package_has_the_layers():
    assert {layer(m) for m in MODULES} - {""} == set(RANK), sorted(MODULES)


def test_arrows_point_down():
    wrong = []
    for source, target, _, line in edges():
        a, b = layer(source), layer(target)
        if a != b and b not in ALLOWED[a]:
            wrong.append(f"{MODULES[source].relative_to(ROOT)}:{line} ({a}) imports {target} ({b})")
    assert not wrong, "\n".join(wrong)


def test_no_private_name_crosses_a_module():
    crossings = [f"{MODULES[s].relative_to(ROOT)}:{line} takes {n} from {t}"
                 for s, t, names, line in edges() for n in names if n.startswith("_")]
    for name, path in MODULES.items():  # module._name through an imported module
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                   for a in node.names
                   if (isinstance(node, ast.Import) and a.name.startswith("cnnlab"))
                   or (isinstance(node, ast.ImportFrom) and f"{node.module}.{a.name}" in MODULES)}
        crossings += [f"{path.relative_to(ROOT)}:{node.lineno} uses {node.value.id}.{node.attr}"
                      for node in ast.walk(tree)
                      if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                      and node.value.id in aliases and node.attr.startswith("_") and not node.attr.startswith("__")]
    assert not crossings, "\n".join(crossings)


def test_no_import_circle():
    graph = {}
    for source, target, _, _ in edges():
        # importing cnnlab.x.y runs cnnlab.x's __init__ first; the subpackage inits import nothing
        graph.setdefault(source, set()).add(target)
    done, path = set(), []

    def visit(node):
        if node in path:
            cycle = path[path.index(node):] + [node]
            pytest.fail("import circle: " + " -> ".join(cycle))
        if node in done:
            return
        path.append(node)
        for nxt in graph.get(node, ()):
            visit(nxt)
        path.pop()
        done.add(node)

    for module in graph:
        visit(module)


def test_subpackage_inits_import_nothing():
    """Importing cnnlab.ops.conv must not run the rest of the package: the inits are docstrings."""
    for name, path in MODULES.items():
        if path.name == "__init__.py" and name not in ("cnnlab", "cnnlab.grading"):
            assert not list(imports(path)), f"{path.relative_to(ROOT)} imports cnnlab modules"


def test_import_cnnlab_loads_no_torch_matplotlib_or_nbgrader():
    code = ("import sys, cnnlab; bad = [m for m in ('torch', 'matplotlib', 'nbgrader', 'sklearn', 'skimage') "
            "if m in sys.modules]; assert not bad, bad; cnnlab.plot_curves; assert 'matplotlib' in sys.modules")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_the_grading_processes_import_no_torch():
    """One worker and one kernel launcher start per submission: torch would cost each ~1.6 s."""
    code = ("import sys, cnnlab.grading.worker, cnnlab.grading.sandbox, cnnlab.grading.__main__, nbformat; "
            "assert 'torch' not in sys.modules; assert sys.modules['rfc3987_syntax'] is None")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_every_exported_name_resolves():
    code = ("import cnnlab; ns = {}; exec('from cnnlab import *', ns); missing = set(cnnlab.__all__) - set(ns); "
            "assert not missing, missing; assert set(cnnlab.__all__) <= set(dir(cnnlab)); "
            "assert cnnlab.conv2d.__module__ == 'cnnlab.ops.conv'; assert cnnlab.kernels.__name__ == 'cnnlab.ops.kernels'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_import_cnnlab_works_without_docstrings():
    """python -OO strips docstrings: nothing may build on them."""
    done = subprocess.run([sys.executable, "-OO", "-c", "import cnnlab, cnnlab.viz.images, cnnlab.grading"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_small(name):
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines; split it by concept"


def test_tests_mirror_the_package():
    """Each tests/<layer>/test_<module>.py belongs to a module cnnlab/<layer>/<module>.py."""
    stray = []
    for test in (ROOT / "tests").rglob("test_*.py"):
        rel = test.relative_to(ROOT / "tests")
        if len(rel.parts) == 1 or rel.parts[0] == "browser":
            continue  # repository-wide tests
        module = rel.parent / ("__main__.py" if rel.name == "test_main.py" else rel.name.removeprefix("test_"))
        if not (PACKAGE / module).is_file():
            stray.append(str(rel))
    assert not stray, f"test files without a module: {stray}"


def test_the_top_level_names_resolve():
    import cnnlab

    missing = [name for name in cnnlab.__all__ if not hasattr(cnnlab, name)]
    assert not missing and len(cnnlab.__all__) > 100
