"""Serve the course to a class on this machine: JupyterHub, with nbgrader's exchange and the course registered.

    python -m autograder.instructor.hub [--directory class-hub] [--port 8000] [--learners ada,grace,alan]
                                        [--instructor instructor] [--learner-python PATH] [--ip 127.0.0.1]

Lays out (or reuses) the class directory, starts JupyterHub and its proxy,
prints where to log in and with which password, and serves until Ctrl-C (or
SIGTERM), when it stops the hub, every server and kernel it started, and the
proxy.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from autograder.instructor.hub.classroom import COURSE_ID, LEARNER_PYTHON, set_up_class
from autograder.instructor.hub.running import HubError, running_hub

READY = "The class is served at"  # the line that says the hub answers (the browser tests wait for it)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--directory", type=Path, default=Path("class-hub"), help="the class directory (default: ./class-hub)")
    parser.add_argument("--instructor", default="instructor", help="the instructor's account name")
    parser.add_argument("--learners", default="ada,grace,alan", help="the learners' account names, separated by commas")
    parser.add_argument("--learner-python", type=Path, default=LEARNER_PYTHON,
                        help="the Python of the environment the learners' servers run in (default: this one)")
    parser.add_argument("--ip", default="127.0.0.1", help="the address the hub listens on (default: loopback only)")
    parser.add_argument("--port", type=int, default=8000)
    arguments = parser.parse_args(argv)
    learners = [name.strip() for name in arguments.learners.split(",") if name.strip()]
    try:
        settings = set_up_class(arguments.directory, arguments.instructor, learners, arguments.learner_python)
    except (FileExistsError, FileNotFoundError, ValueError) as problem:
        sys.exit(str(problem))
    settings.ip, settings.port = arguments.ip, arguments.port
    for stopping in (signal.SIGINT, signal.SIGTERM):  # SIGTERM stops as cleanly as Ctrl-C, even where SIGINT was ignored
        signal.signal(stopping, signal.default_int_handler)
    try:
        with running_hub(settings) as hub:
            print(f"{READY} {settings.url}/  (Ctrl-C stops it and everything it started)")
            print(f"  instructor: {settings.instructor}, password {settings.instructor_password}")
            print(f"  learners:   {', '.join(learners)}, password {settings.learner_password}")
            print(f"  course:     {COURSE_ID}, in {settings.course_directory}")
            print(f"  learners' Python: {settings.learner_python}")
            print(f"  log:        {settings.state / 'jupyterhub.log'}", flush=True)
            try:
                hub.wait()
                interrupted = False
            except KeyboardInterrupt:
                interrupted = True
                print("Stopping the hub, its servers, kernels and proxy...", flush=True)
    except HubError as problem:
        sys.exit(str(problem))
    if not interrupted:
        sys.exit(f"JupyterHub stopped by itself (exit {hub.returncode}); see {settings.state / 'jupyterhub.log'}")
    print("Stopped.", flush=True)


if __name__ == "__main__":
    main()
