"""nbgrader's Python API for one course folder, configured by its ``nbgrader_config.py``."""

import contextlib
import os
import sys
import warnings
from pathlib import Path

# nbformat imports jsonschema, which compiles 38 lark grammars at import when the optional
# rfc3987-syntax is installed (it is, for jupyter-events): 2.2 s in every grading process, that is
# in every submission's worker. Notebook schemas use none of the "iri" formats it checks, so these
# processes tell jsonschema it is absent (it skips those formats). Nothing has imported it yet:
# every cnnlab.grading module imports this one before nbformat.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)


def api(root, timeout=None, *, kernel=None, ip=None):
    """An nbgrader API object for the course at `root`, configured by its nbgrader_config.py.

    nbgrader is imported here, once per process (importing it takes seconds).
    `timeout` (seconds per cell) overrides the configuration's ``Execute.timeout``; `kernel`
    names the kernelspec submissions run in, and `ip` makes its sockets Unix sockets at that path
    (the sandbox has no network).
    It runs ``alembic`` by name, so this Python's ``bin`` goes first on ``PATH``;
    grading kernels get one thread (``OMP_NUM_THREADS``) unless it is set.
    """
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    (Path(root) / "grading").mkdir(exist_ok=True)        # the gradebook database lives there
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    if timeout is not None:
        config.Execute.timeout = timeout
    if kernel is not None:
        config.Execute.kernel_name = kernel
        # a cell whose output is still arriving after its reply (a flood, cut by the worker) is not
        # a failed notebook
        config.Execute.raise_on_iopub_timeout = False
    if ip is not None:
        config.KernelManager.transport = "ipc"
        config.KernelManager.ip = ip
    return NbGraderAPI(CourseDirectory(config=config), config=config)


@contextlib.contextmanager
def gradebook(api):
    """``api.gradebook``, without SQLAlchemy's notes on nbgrader's own session handling.

    nbgrader's ``add_submission`` and its CSV export make SQLAlchemy warn ("Object of type ...
    not in session"); the scores are written all the same. Under ``-W error`` the warning would
    stop the grading.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Object of type")
        with api.gradebook as gb:
            yield gb
