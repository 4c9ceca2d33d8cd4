"""Repository rules: clean notebooks, one package list for pip and conda, the pinned set."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONDA_TO_PIP = {"pytorch": "torch"}  # conda-forge names that differ from PyPI's
CONDA_ONLY = {"python", "pip"}


def _tracked(pattern: str) -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", pattern], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / p for p in out]


def _split(requirement: str) -> tuple[str, str]:
    """('Scikit_Learn>=1.3') -> ('scikit-learn', '>=1.3'): a normalised name and its bounds."""
    match = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement)
    if match is None:
        raise ValueError(f"cannot read requirement {requirement!r}")
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    return name, match.group(2).replace(" ", "")


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs.extend(extra)
    return dict(_split(r) for r in reqs)


def environment_requirements() -> dict[str, str]:
    """Read environment.yml's dependency lists (a tiny YAML subset, no PyYAML needed)."""
    reqs = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        item = re.match(r"^\s*-\s+([^#]+?)\s*(#.*)?$", line)
        if not item or item.group(1) in {"pip:", "conda-forge"} or item.group(1).startswith("-e"):
            continue
        name, bounds = _split(item.group(1))
        if name in CONDA_ONLY:
            continue
        reqs[CONDA_TO_PIP.get(name, name)] = bounds
    return reqs


def test_environment_yml_matches_pyproject():
    assert environment_requirements() == pyproject_requirements()


def test_constraints_pin_every_package_exactly():
    lines = (ROOT / "requirements" / "constraints.txt").read_text().splitlines()
    pins = dict(_split(line) for line in lines if line.strip() and not line.startswith("#"))
    assert pins["torch"] == "==2.13.0"
    unpinned = {name: spec for name, spec in pins.items() if not re.fullmatch(r"==[^,;]+", spec)}
    assert not unpinned, f"constraints that are not exact pins: {unpinned}"
    missing = set(pyproject_requirements()) - set(pins)
    assert not missing, f"packages of pyproject.toml missing from the pinned set: {missing}"


NOTEBOOKS = _tracked("*.ipynb")


def test_there_are_notebooks():
    assert any(p.parts[-2] == "book" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_committed_clean(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        assert not cell.get("outputs"), f"{path.name}: cell {i} has outputs"
        assert cell.get("execution_count") is None, f"{path.name}: cell {i} has an execution count"


def test_every_chapter_is_in_the_table_of_contents():
    toc = (ROOT / "_toc.yml").read_text()
    chapters = [p for p in NOTEBOOKS if p.parent.name == "book"]
    missing = [p.name for p in chapters if f"book/{p.stem}" not in toc]
    assert not missing, f"notebooks not listed in _toc.yml: {missing}"


def test_notebooks_install_nothing():
    """Offline: no `!pip`/`%pip` in any notebook."""
    for path in NOTEBOOKS:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            assert not re.search(r"^\s*[!%]\s*(pip|conda)\b", source, re.M), path.name


MAX_CODE_LINE = 100  # the book's code cells are wrapped at 88; longer lines overflow the page


@pytest.mark.parametrize("path", sorted(ROOT.glob("book/*.ipynb")), ids=lambda p: p.name)
def test_chapter_code_lines_fit_the_page(path):
    long = []
    for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
        if cell["cell_type"] == "code":
            long += [f"cell {i}: {len(line)} characters: {line[:60]}..."
                     for line in "".join(cell["source"]).splitlines() if len(line) > MAX_CODE_LINE]
    assert not long, f"{path.name} has code lines over {MAX_CODE_LINE} characters:\n" + "\n".join(long)
