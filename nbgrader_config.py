"""nbgrader configuration of the cnnlab course (the repository root is the course folder).

Lab sources: labs/<lab>/<lab>.ipynb. Student versions: release/<lab>/. Everything grading
writes goes to grading/ (git-ignored). Used by `make release`, `make grade` and
`python -m cnnlab.grading`; plain `nbgrader ...` commands run from this folder use it too.
"""
import os

c = get_config()  # noqa: F821 (defined by traitlets when it loads this file)
root = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "cnnlab"
c.CourseDirectory.root = root
c.CourseDirectory.source_directory = "labs"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = os.path.join("grading", "submitted")
c.CourseDirectory.autograded_directory = os.path.join("grading", "autograded")
c.CourseDirectory.feedback_directory = os.path.join("grading", "feedback")
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(root, "grading", "gradebook.db")
# Only the notebook of each lab goes to students (no README or scratch files).
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.md", "roundtrip.json"]

# Each cell of a submission gets 60 s (the longest lab cell takes under 10 s on a laptop CPU): an
# endless loop is interrupted, costs its own tests and the rest of the notebook is still graded.
c.Execute.timeout = 60
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
