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

# A notebook cell that runs longer than this is stopped and scores nothing.
c.Execute.timeout = 60
