"""nbgrader's configuration for the course.

Run nbgrader from the repository root: it finds this file there.
`solutions/` is nbgrader's source directory (instructor notebooks, with
solutions and hidden tests); `course/` is its release directory (what learners
open). Submissions, autograded notebooks, feedback and the gradebook appear
next to them while grading and are never committed.
"""

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

c.CourseDirectory.course_id = "neural-networks"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"

# What a learner finds in an answer cell instead of the solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Autograding: a cell that runs longer than this (seconds) is interrupted; the
# test cells it kept from running score nothing. The course's cells take a few
# seconds at most.
c.Execute.timeout = 30

# The course's grading command (python -m autograder.instructor.grade) adds:
c.GradeApp.workers = 0  # submissions graded at once; 0: one per CPU core
c.GradeApp.memory_limit = 1536  # megabytes a submission's kernel may allocate
c.VerifiedExecute.time_budget = 300  # seconds a whole notebook may run
c.VerifiedExecute.output_limit = 2  # megabytes of output a cell may print

# Feedback shows each test's verdict and message, never the source of its hidden tests (nbgrader issue 917).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Feedback pages (nbgrader generate_feedback, and the grade command) use the
# course's accessible template, nbgrader's own made readable by everyone.
from autograder.instructor import feedback_template  # noqa: E402

feedback_template.configure(c)
