"""The course served to a class on one machine: JupyterHub, nbgrader's exchange, learners' and instructor's servers.

    python -m autograder.instructor.hub [--directory class-hub] [--port 8000] [--learners ada,grace,alan]

`classroom` lays out the class directory (accounts, homes, the exchange, the
instructor's course directory); `jupyterhub_config.py` is the hub's whole
configuration, one page to read; `running` starts the hub and stops it, with
every process it started.
"""
