"""cnnlab.grading.sandbox: what a submission's kernel can see."""

import subprocess
import sys
from pathlib import Path

import pytest

from cnnlab.grading import sandbox

pytestmark = pytest.mark.skipif(not sandbox.available(), reason="bubblewrap cannot create a sandbox here")


@pytest.mark.parametrize("home", [False, True])
def test_the_environment_is_visible_and_the_course_is_not(tmp_path, monkeypatch, home):
    """A virtual environment in /tmp (a clone there) or in the hidden home folder stays readable."""
    course, work, run = tmp_path / "course", tmp_path / "work", tmp_path / "run"
    env = (tmp_path / "home" if home else tmp_path) / "clone" / ".venv"
    for folder in (course, work, run, env):
        folder.mkdir(parents=True)
    (env / "marker").write_text("the environment")
    (course / "gradebook.db").write_text("secret")
    monkeypatch.setattr(sys, "prefix", str(env))
    if home:
        monkeypatch.setattr(Path, "home", classmethod(lambda cls: tmp_path / "home"))
    job = {"course_root": str(course), "work": str(work), "run": str(run)}
    inside = subprocess.run(sandbox.bwrap_command(job) + ["/bin/sh", "-c", f"cat {env}/marker; ls -A {course}"],
                            capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert inside.returncode == 0, inside.stderr
    assert inside.stdout == "the environment"
