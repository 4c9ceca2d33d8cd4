"""Course tooling: release the labs, collect and autograde submissions, export grades.

Built on nbgrader's Python API (imported only when a command needs it). Nothing else in cnnlab
imports this package; ``python -m cnnlab.grading`` is its command line.
"""

from cnnlab.grading.course import (autograde, collect, export, feedback, find_labs, grade, lab_points,
                                   model_answers, release)

__all__ = ["find_labs", "lab_points", "release", "collect", "autograde", "feedback", "export", "grade",
           "model_answers"]
