"""The sandbox a submission's kernel runs in: bubblewrap, an unprivileged user and resource limits.

Why bubblewrap (Debian's ``bubblewrap``, ``bwrap``): it needs no daemon and no image, starts in
milliseconds, and gives exactly what grading needs — a read-only view of the system, private
``/tmp``, no network (a new network namespace has only its own loopback), a new PID namespace
(every process of the kernel dies with it), and the grader's course folder replaced by an empty
one, so that the kernel can see neither the gradebook nor other students' work. On top, the kernel
runs as an unprivileged user of its own (one per grading job, when the grader is root) under
``prlimit``: address space, CPU seconds, processes (a fork bomb stops at the limit and touches no
one else), file size. A container engine would do the same at a much higher cost; none runs on
these machines.

The kernel talks to the grader through Unix sockets (ZeroMQ ``ipc``) in a folder shared with the
sandbox: TCP would need the network namespace the sandbox does not have. ``python -m
cnnlab.grading.sandbox JOB CONNECTION_FILE`` is the kernel command of the kernelspec that
:mod:`cnnlab.grading.worker` writes for each job.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

INSIDE_RUN = "/tmp/cnnlab-run"  # the sockets and the connection file, inside the sandbox
INSIDE_WORK = "/tmp/work"       # the kernel's working folder, inside the sandbox


@dataclass(frozen=True)
class Limits:
    """What one submission's kernel may use."""

    memory_bytes: int = 6 * 2**30   # address space (torch maps a lot of virtual memory)
    cpu_seconds: int = 600
    processes: int = 256
    file_bytes: int = 64 * 2**20


def available() -> bool:
    """True when bubblewrap is installed and can create a sandbox here."""
    if shutil.which("bwrap") is None:
        return False
    import subprocess

    probe = [shutil.which("bwrap"), "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "--dev", "/dev",
             "--proc", "/proc"] + ([] if os.geteuid() == 0 else ["--unshare-user"]) + ["true"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def data_folder() -> Path:
    """The data sets' folder (as :func:`cnnlab.data.sources.data_dir` finds it; grading imports no data)."""
    if os.environ.get("CNNLAB_DATA"):
        return Path(os.environ["CNNLAB_DATA"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cnnlab"


def _hidden_and_kept(course_root: Path):
    """Folders to hide (the course, home), and what to show again read-only inside them or in ``/tmp``.

    ``/tmp`` is replaced by a private one in any case; the environment, ``cnnlab`` and the data may
    live under it (a clone in ``/tmp``) or under a hidden folder (a clone in the home folder).
    """
    home = Path.home().resolve()
    keep = [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), Path(__file__).resolve().parents[1],
            data_folder().resolve()]
    hidden = [p for p in (course_root.resolve(), home) if p != Path("/")]
    covered = hidden + [Path("/tmp")]
    return hidden, [k for k in keep if k.exists() and any(h in k.parents or h == k for h in covered)]


def bwrap_command(job: dict) -> list[str]:
    """The bubblewrap command around the kernel of one job (a dict written by the worker)."""
    hidden, kept = _hidden_and_kept(Path(job["course_root"]))
    cmd = [shutil.which("bwrap"), "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
           "--perms", "1777", "--tmpfs", "/tmp"]
    for path in hidden:
        cmd += ["--perms", "0755", "--tmpfs", str(path)]
    covered = [*hidden, Path("/tmp")]
    made = set(covered)
    for path in sorted(kept, key=lambda p: len(p.parts)):
        for parent in reversed(path.parents):  # readable parents (bwrap would make them 0700)
            if parent not in made and any(h in parent.parents for h in covered):
                cmd += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        cmd += ["--ro-bind", str(path), str(path)]
    cmd += ["--bind", job["work"], INSIDE_WORK, "--bind", job["run"], INSIDE_RUN,
            "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent",
            "--new-session", "--chdir", INSIDE_WORK,
            "--setenv", "HOME", "/tmp", "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib",
            "--setenv", "OMP_NUM_THREADS", "1", "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
            # pid 1 is bwrap: no parent poller in the kernel (--die-with-parent does its job)
            "--setenv", "JPY_PARENT_PID", "1", "--setenv", "CNNLAB_DATA", str(data_folder())]
    if os.geteuid() != 0:
        cmd.append("--unshare-user")
    return cmd


def limits_command(job: dict) -> list[str]:
    """setpriv (to the job's own unprivileged user, when root in a sandbox) and prlimit before the kernel."""
    limits = Limits(**job["limits"])
    cmd = []
    if job["sandboxed"] and os.geteuid() == 0 and shutil.which("setpriv"):
        uid = str(job["uid"])
        cmd += [shutil.which("setpriv"), "--no-new-privs", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
    if shutil.which("prlimit"):
        cmd += [shutil.which("prlimit"), f"--as={limits.memory_bytes}", f"--cpu={limits.cpu_seconds}",
                f"--nproc={limits.processes}", f"--fsize={limits.file_bytes}", "--"]
    return cmd


def prepare(job_dir: Path, course_root: Path, work: Path, uid: int, limits: Limits, sandboxed: bool) -> dict:
    """Write the job description the kernel launcher reads; make the shared folders the kernel's."""
    import tempfile

    # a short path: a Unix socket's name may not exceed about 100 bytes
    run = Path(tempfile.mkdtemp(prefix="cnnlab-run-", dir="/tmp"))
    job = {"course_root": str(course_root), "work": str(work), "run": str(run), "uid": uid,
           "limits": asdict(limits), "sandboxed": sandboxed}
    if sandboxed and os.geteuid() == 0:
        for path in (run, work, *work.rglob("*")):
            os.chown(path, uid, uid)
    (job_dir / "job.json").write_text(json.dumps(job, indent=1))
    return job


def launch(job_dir: Path, connection_file: str) -> None:
    """Start the kernel for `connection_file`, in the sandbox when the job says so (replaces this process)."""
    job = json.loads((Path(job_dir) / "job.json").read_text())
    info = json.loads(Path(connection_file).read_text())
    # no IPython history: nothing to keep, and outside the sandbox it would be the student's code
    # written into the grader's own ~/.ipython/profile_default/history.sqlite
    python = [sys.executable, "-m", "ipykernel_launcher", "--HistoryManager.enabled=False"]
    if not job["sandboxed"]:  # no isolation: only the limits
        os.chdir(job["work"])
        cmd = limits_command(job) + python + ["-f", connection_file]
        os.execv(cmd[0], cmd)
    info["ip"] = INSIDE_RUN + "/kernel"          # the same socket files, seen from inside
    inside = Path(job["run"]) / "connection.json"
    inside.write_text(json.dumps(info))
    if os.geteuid() == 0:
        os.chown(inside, job["uid"], job["uid"])
        os.chmod(job["run"], 0o755)
    cmd = bwrap_command(job) + limits_command(job) + python + ["-f", INSIDE_RUN + "/connection.json"]
    os.execv(cmd[0], cmd)


if __name__ == "__main__":
    launch(Path(sys.argv[1]), sys.argv[2])
