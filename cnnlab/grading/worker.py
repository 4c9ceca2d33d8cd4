"""Grade one submission in a throwaway course: the unit that ``--jobs`` runs in parallel.

``python -m cnnlab.grading.worker JOB_DIR`` reads ``JOB_DIR/spec.json`` (written by
:mod:`cnnlab.grading.isolate`) and writes, in ``JOB_DIR/out``, ``result.json`` (the score of
every graded cell and the grader's notes), the graded notebook and its HTML feedback. Nothing
else of the instructor's course is read or written: the job holds a copy of the lab as it was
when grading began, the one submission, and a gradebook of its own. The submission's kernel
runs in the sandbox of :mod:`cnnlab.grading.sandbox`, reached through Unix sockets.

Two faults nbgrader does not survive are handled here, in this process only: a kernel that dies
(``os._exit``, a crash, the memory limit) fails its cell, and a new kernel replays the cells that
ran before it and goes on; output beyond :data:`MAX_OUTPUT` characters per cell is dropped.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import sys
import time
from pathlib import Path

from cnnlab.grading.guard import add_guards, remove_guards
from cnnlab.grading.normalize import Note, read_answers, rebuild
from cnnlab.grading.sandbox import Limits, prepare

MAX_OUTPUT = 100_000        # characters of output kept per cell
MAX_RESTARTS = 3            # kernels that may die in one submission before it is failed
KERNEL = "cnnlab-sandbox"


def _kernelspec(job: Path) -> Path:
    """A kernelspec whose command starts the kernel through the sandbox launcher."""
    spec_dir = job / "jupyter" / "kernels" / KERNEL
    spec_dir.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "cnnlab.grading.sandbox", str(job), "{connection_file}"]
    (spec_dir / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "graded",
                                                       "language": "python"}))
    return job / "jupyter"


def _patch_client():
    """Make nbclient (in this process) survive a dying kernel and cap each cell's output."""
    from jupyter_core.utils import run_sync
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError
    from nbformat import NotebookNode

    if getattr(NotebookClient, "_cnnlab_patched", False):
        return
    execute_cell, output = NotebookClient.async_execute_cell, NotebookClient.output

    async def resilient(self, cell, cell_index, execution_count=None, store_history=True):
        ran = self.__dict__.setdefault("_cnnlab_ran", [])
        try:
            result = await execute_cell(self, cell, cell_index, execution_count, store_history)
        except DeadKernelError:
            deaths = self.__dict__.setdefault("_cnnlab_deaths", [])
            deaths.append(cell_index)
            if len(deaths) > MAX_RESTARTS:
                raise
            cell.outputs = [NotebookNode(output_type="error", ename="KernelDied", evalue="",
                                         traceback=["KernelDied: the kernel stopped while this cell ran "
                                                    "(os._exit, a crash or the memory limit); the grader "
                                                    "started a new one and re-ran the cells before it"])]
            self.nb["cells"][cell_index] = cell
            await self.km.restart_kernel(now=True)
            await self.kc.wait_for_ready(timeout=self.startup_timeout)
            for index in list(ran):  # the cells that ran before, without the ones that failed
                await execute_cell(self, copy.deepcopy(self.nb["cells"][index]), index)
            return cell
        if not any(o.get("output_type") == "error" for o in result.get("outputs", [])):
            ran.append(cell_index)
        return result

    def capped(self, outs, msg, display_id, cell_index):
        sizes = self.__dict__.setdefault("_cnnlab_sizes", {})
        before = sizes.get(cell_index, 0)
        sizes[cell_index] = before + len(json.dumps(msg.get("content", {})))
        if sizes[cell_index] <= MAX_OUTPUT:
            return output(self, outs, msg, display_id, cell_index)
        if before <= MAX_OUTPUT:  # once per cell
            outs.append(NotebookNode(output_type="stream", name="stderr",
                                     text=f"\n[the grader cut this cell's output at {MAX_OUTPUT:,} characters]\n"))
        return None

    NotebookClient.async_execute_cell = resilient
    NotebookClient.execute_cell = run_sync(resilient)  # the sync wrapper holds the original otherwise
    NotebookClient.output = capped
    NotebookClient._cnnlab_patched = True


def _grades(api, lab, student):
    """{grade id: {auto_score, manual_score, max_score, needs_manual_grade}} from the job's gradebook."""
    with api.gradebook as gb:
        notebook = gb.find_submission_notebook(lab, lab, student)
        return {g.name: {"auto_score": g.auto_score, "manual_score": g.manual_score, "max_score": g.max_score,
                         "needs_manual_grade": bool(g.needs_manual_grade)} for g in notebook.grades}


def _zero(api, lab, student, grade_ids):
    """Score the listed test cells 0 in the job's gradebook (a rule of the lab was broken)."""
    with api.gradebook as gb:
        for gid in grade_ids:
            gb.find_grade(gid, lab, lab, student).manual_score = 0.0
        gb.db.commit()


def _notes_cell(notes, sandboxed):
    import nbformat

    lines = ["## Notes from the grader", ""]
    if not sandboxed:
        lines.append("- This submission was graded **without a sandbox**.")
    lines += [f"- {n['message']}" + (" *(marked for review)*" if n["review"] else "") for n in notes]
    if len(lines) == 2:
        lines.append("- Nothing to report: every cell was graded as submitted.")
    return nbformat.v4.new_markdown_cell("\n".join(lines))


def _succeed(result, step):
    if not result["success"]:
        raise RuntimeError(f"nbgrader {step} failed: {result.get('log', '')[-2500:]}\n{result.get('error', '')[-800:]}")


def grade_job(job: Path) -> dict:
    """Grade the submission of `job` (see the module docstring); returns what result.json holds."""
    job = Path(job).resolve()
    spec = json.loads((job / "spec.json").read_text())
    lab, student, sandboxed = spec["lab"], spec["student"], spec["sandboxed"]
    course, out, work = job / "course", job / "out", job / "work"
    out.mkdir(exist_ok=True)
    work.mkdir(exist_ok=True)
    started = time.perf_counter()
    import nbformat

    source = nbformat.read(course / "labs" / lab / f"{lab}.ipynb", as_version=4)
    rules_path = course / "labs" / lab / "rules.json"
    rules = json.loads(rules_path.read_text()) if rules_path.is_file() else {}
    try:
        submission = nbformat.read(spec["submission"], as_version=4)
    except Exception as error:  # noqa: BLE001 (any unreadable file is the student's fault, not the grader's)
        submission = nbformat.v4.new_notebook()
        unreadable = [Note("restored", "", f"the notebook could not be read ({type(error).__name__}): "
                                     "graded as blank", True)]
    else:
        unreadable = []
    os.environ["JUPYTER_PATH"] = str(_kernelspec(job))
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    run = prepare(job, Path(spec["course_root"]), work, spec["uid"], Limits(**spec["limits"]),
                          sandboxed)["run"]
    _patch_client()
    from cnnlab.grading.nbapi import api as nbgrader_api

    api = nbgrader_api(course, spec["timeout"], kernel=KERNEL, ip=str(Path(run) / "kernel"))
    released = nbformat.read(course / "release" / lab / f"{lab}.ipynb", as_version=4)
    rebuilt, notes = rebuild(source, submission, released)
    notes = unreadable + notes + read_answers(rebuilt, rules)
    forbidden = rules.get("refuse", [])
    target = course / "grading" / "submitted" / student / lab
    target.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.from_dict(add_guards(rebuilt, forbidden)), target / f"{lab}.ipynb")
    _succeed(api.autograde(lab, student, force=True, create=True), "autograde")
    zeroed = sorted({gid for n in notes for gid in n.zero})
    _zero(api, lab, student, zeroed)
    graded = course / "grading" / "autograded" / student / lab / f"{lab}.ipynb"
    notebook = remove_guards(nbformat.read(graded, as_version=4))
    notes_dicts = [n.as_dict() for n in notes]
    notebook["cells"].insert(0, _notes_cell(notes_dicts, sandboxed))
    nbformat.write(notebook, graded)
    _succeed(api.generate_feedback(lab, student, force=True), "generate_feedback")
    shutil.copyfile(graded, out / f"{lab}.ipynb")
    shutil.copyfile(course / "grading" / "feedback" / student / lab / f"{lab}.html", out / f"{lab}.html")
    report = {"student": student, "lab": lab, "sandboxed": sandboxed, "grades": _grades(api, lab, student),
              "notes": notes_dicts, "review": any(n.review for n in notes), "error": None,
              "seconds": round(time.perf_counter() - started, 2)}
    (out / "result.json").write_text(json.dumps(report, indent=1))
    shutil.rmtree(run, ignore_errors=True)
    return report


if __name__ == "__main__":
    grade_job(Path(sys.argv[1]))
