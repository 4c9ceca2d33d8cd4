"""cnnlab.grading.__main__: the command line reads its options before or after the command."""

import subprocess
import sys

from cnnlab.grading.__main__ import _parser


def test_cli_reports_bad_input_without_a_traceback(toy_course, tmp_path):
    done = subprocess.run([sys.executable, "-m", "cnnlab.grading", "--course", str(toy_course), "grade",
                           str(tmp_path / "nowhere")], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.startswith("error: `submissions` must be a folder") and "Traceback" not in done.stderr


def test_labs_before_the_command_do_not_swallow_it():
    """`--labs lab1 release` used to read `release` as a second lab and then miss the command."""
    args = _parser().parse_args(["--labs", "lab1-convolution", "release"])
    assert (args.command, args.labs) == ("release", ["lab1-convolution"])
    args = _parser().parse_args(["--course", "c", "grade", "subs", "--labs", "a,b", "--labs", "c"])
    assert (args.command, args.course, args.labs, args.submissions) == ("grade", "c", ["a", "b", "c"], "subs")
    assert _parser().parse_args(["export"]).labs is None


def test_labs_before_the_command_work_end_to_end(toy_course):
    done = subprocess.run([sys.executable, "-m", "cnnlab.grading", "--course", str(toy_course), "--labs", "toy",
                           "release"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"released {toy_course / 'release' / 'toy' / 'toy.ipynb'}"
