"""Reference implementations: the ground truth the checks compare learners' code with.

One module per notebook, written the way the notebooks teach. They ship with the
course, so a learner who is stuck can read them; grading gives no marks for
calling them. They import nothing from the rest of the package.
"""
