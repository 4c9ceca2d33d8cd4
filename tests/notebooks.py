"""A pytest plugin (``-p tests.notebooks``): nbval executes every notebook once, for the tests and the book.

``make test`` runs the unit tests, the doctests and every notebook (nbval, ``--nbval-lax``) in one
pytest session on two xdist workers. This plugin

- schedules the longest units first (with ``--dist loadscope`` each notebook, like each test
  module, runs on one worker, its cells in order), so that no long one starts last;
- writes each book chapter that ran without an error, with its outputs, to
  ``_build/executed/<path>.ipynb``, and its time to ``_build/executed/seconds.json``.

``python -m tests.notebooks`` then stores those notebooks in the book's execution cache, so that
``jupyter-book build`` executes nothing a second time.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXECUTED = ROOT / "_build" / "executed"
CACHE = ROOT / "_build" / ".jupyter_cache"
TIMES = EXECUTED / "seconds.json"
_state: dict = {}  # notebook path -> {"failed": bool, "seconds": float, "count": int}


def _is_cell(item) -> bool:
    return type(item).__name__ == "IPyNbCell"


def _notebook(item) -> Path:
    return Path(str(item.parent.fspath))


def _expected_seconds(path: Path, known: dict) -> float:
    """The last measured time, else a guess from how much training the code does."""
    key = str(path.relative_to(ROOT))
    if key in known:
        return known[key]
    text = path.read_text(encoding="utf-8")
    return 5 + 10 * sum(text.count(word) for word in ("fit(", "fit_seeds(", "fit_denoiser(", "backward(")) + len(text) / 20_000


def pytest_addoption(parser):
    parser.addoption("--skip-cached", action="store_true",
                     help="run only the notebooks the book's execution cache lacks (make book)")


def _cached(path: Path) -> bool:
    import nbformat
    from jupyter_cache import get_cache

    try:
        get_cache(str(CACHE)).match_cache_notebook(nbformat.read(path, as_version=4))
    except KeyError:
        return False
    return True


def pytest_collection_modifyitems(session, config, items):
    known = json.loads(TIMES.read_text()) if TIMES.is_file() else {}
    if config.getoption("skip_cached") and CACHE.is_dir():
        fresh = {path: _cached(path) for path in {_notebook(item) for item in items if _is_cell(item)}}
        skipped = [item for item in items if _is_cell(item) and fresh[_notebook(item)]]
        if skipped:
            config.hook.pytest_deselected(items=skipped)
            items[:] = [item for item in items if item not in set(skipped)]
    cells = [item for item in items if _is_cell(item)]
    order = {}
    for item in cells:
        order.setdefault(_notebook(item), _expected_seconds(_notebook(item), known))
    others = [item for item in items if not _is_cell(item)]
    # the longest unit first (every lab graded: one module, one worker), then the
    # notebooks slowest first (a stable sort keeps each one's cells in order), then the rest
    first = [item for item in others if "test_grading_every_lab.py" in item.nodeid]
    cells.sort(key=lambda item: -order[_notebook(item)])
    items[:] = first + cells + [item for item in others if item not in set(first)]


def pytest_sessionfinish(session, exitstatus):
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and session.config.getoption("skip_cached"):
        session.exitstatus = pytest.ExitCode.OK  # every notebook was in the cache already


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if not _is_cell(item) or call.when != "call":
        return
    state = _state.setdefault(_notebook(item), {"failed": False, "seconds": 0.0, "count": 0})
    report = outcome.get_result()
    state["failed"] |= report.failed
    state["seconds"] += call.duration
    state["count"] += 1
    item.cell.outputs = list(getattr(item, "test_outputs", None) or [])
    item.cell.execution_count = state["count"]
    for output in item.cell.outputs:
        if output.get("output_type") == "execute_result":
            output["execution_count"] = state["count"]


def pytest_runtest_teardown(item, nextitem):
    if not _is_cell(item) or (nextitem is not None and _is_cell(nextitem) and nextitem.parent is item.parent):
        return
    path = _notebook(item)
    state = _state.get(path, {"failed": True})
    if state["failed"] or path.parent.name != "book":
        return  # only the book's chapters are pages; a failed one is not cached
    import nbformat

    target = EXECUTED / path.relative_to(ROOT)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(item.parent.nb, target)
    _record_time(path, state["seconds"])


def _record_time(path: Path, seconds: float) -> None:
    """Add one notebook's time to seconds.json (two workers may write: merge, then replace)."""
    EXECUTED.mkdir(parents=True, exist_ok=True)
    for _ in range(20):
        lock = EXECUTED / ".seconds.lock"
        try:
            lock.mkdir()
        except FileExistsError:
            time.sleep(0.05)
            continue
        try:
            times = json.loads(TIMES.read_text()) if TIMES.is_file() else {}
            times[str(path.relative_to(ROOT))] = round(seconds, 1)
            partial = TIMES.with_suffix(".tmp")
            partial.write_text(json.dumps(times, indent=1, sort_keys=True))
            partial.replace(TIMES)
        finally:
            lock.rmdir()
        return


def cache_executed() -> int:
    """Store every executed chapter in the book's execution cache; print the times; return their number."""
    import nbformat
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    cache = get_cache(str(CACHE))
    times = json.loads(TIMES.read_text()) if TIMES.is_file() else {}
    done = 0
    for executed in sorted(EXECUTED.rglob("*.ipynb")):
        source = ROOT / executed.relative_to(EXECUTED)
        notebook = nbformat.read(executed, as_version=4)
        if not source.is_file() or [c.source for c in notebook.cells] != [
                c.source for c in nbformat.read(source, as_version=4).cells]:
            continue  # the chapter changed since it ran: the book build will execute it
        seconds = times.get(str(source.relative_to(ROOT)))
        cache.cache_notebook_bundle(CacheBundleIn(notebook, str(source), data={"execution_seconds": seconds}),
                                    check_validity=False, overwrite=True)
        done += 1
        print(f"{seconds or 0:6.1f} s  {source.relative_to(ROOT)}")
    print(f"{done} executed notebooks cached in {CACHE.relative_to(ROOT)}; "
          f"{sum(times.values()):.0f} s of execution in all")
    return done


if __name__ == "__main__":
    cache_executed()
    sys.exit(0)
