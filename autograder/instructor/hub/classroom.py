"""The class directory a hub serves: who has an account, where each works, where nbgrader's exchange is.

    class-hub/
      class.json          what jupyterhub_config.py reads: accounts, passwords, ports, the two Pythons (mode 600)
      jupyter/            Jupyter configuration of every server: nbgrader_config.py (course id, exchange, hub groups),
                          jupyter_server_config.json (terminals keep the server's environment)
      jupyter-learners/   and of the learners' servers only: nbgrader_config.py (who submits)
      exchange/           nbgrader's exchange, where assignments are released, submitted and fed back
      home/<account>/     each account's home and server root
      home/<instructor>/neural-networks/   the instructor's course directory (nbgrader_config.py, solutions/, course/)
      hub/                JupyterHub's own state: its database, cookie secret, the proxy's pid, logs

A class directory set up once is kept: starting the hub again keeps every
home, submission and grade, and the passwords.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder.instructor import secret
from autograder.instructor.release import REPOSITORY

COURSE_ID = "neural-networks"  # nbgrader's course id, as in the repository's nbgrader_config.py
LEARNER_LAB = REPOSITORY / "learner-lab"  # the learners' JupyterLab configuration (no instructor tools)
MADE_BY_HUB = ".made-by-autograder-hub"
# The Python whose environment runs the learners' servers and kernels. Until the learner's install
# (without references, hidden cases or known mistakes) exists, it is the instructor's own.
LEARNER_PYTHON = Path(sys.executable)


@dataclass
class ClassSettings:
    """Everything jupyterhub_config.py needs to know about a class, as stored in class.json."""

    directory: str
    instructor: str
    learners: list[str]
    learner_python: str
    instructor_python: str
    learner_password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    instructor_password: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    ip: str = "127.0.0.1"
    port: int = 8000
    hub_port: int = 0  # the hub's internal API; chosen free at every start
    proxy_api_port: int = 0  # configurable-http-proxy's API; likewise
    proxy: str = ""  # the configurable-http-proxy executable

    @property
    def root(self) -> Path:
        return Path(self.directory)

    def home(self, account: str) -> Path:
        return self.root / "home" / account

    @property
    def course_directory(self) -> Path:
        return self.home(self.instructor) / COURSE_ID

    @property
    def exchange(self) -> Path:
        return self.root / "exchange"

    @property
    def jupyter_config(self) -> Path:
        return self.root / "jupyter"

    @property
    def learners_jupyter_config(self) -> Path:
        return self.root / "jupyter-learners"

    @property
    def state(self) -> Path:
        return self.root / "hub"

    @property
    def url(self) -> str:
        return f"http://{self.ip}:{self.port}"

    def save(self) -> None:
        path = self.root / "class.json"
        path.touch(mode=0o600)
        path.write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, directory: Path) -> ClassSettings:
        return cls(**json.loads((directory / "class.json").read_text()))


def set_up_class(directory: Path, instructor: str, learners: list[str], learner_python: Path = LEARNER_PYTHON) -> ClassSettings:
    """Lay out a class directory, or bring one laid out before up to date with the accounts given; its settings."""
    directory = directory.resolve()
    if directory.exists() and any(directory.iterdir()) and not (directory / MADE_BY_HUB).exists():
        raise FileExistsError(f"{directory} exists and was not made by this command; choose another --directory.")
    if instructor in learners:
        raise ValueError(f"{instructor!r} cannot be both the instructor and a learner.")
    if not learner_python.exists():
        raise FileNotFoundError(f"the learners' Python {learner_python} does not exist.")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MADE_BY_HUB).touch()
    settings = ClassSettings(str(directory), instructor, learners, str(learner_python), sys.executable)
    if (directory / "class.json").exists():
        kept = ClassSettings.load(directory)
        settings.learner_password, settings.instructor_password = kept.learner_password, kept.instructor_password
    for account in [instructor, *learners]:
        settings.home(account).mkdir(parents=True, exist_ok=True)
    settings.state.mkdir(exist_ok=True)
    settings.exchange.mkdir(exist_ok=True)
    os.chmod(settings.exchange, 0o777)  # nbgrader's exchange is written by every account
    _write_jupyter_config(settings)
    _set_up_course_directory(settings)
    settings.save()
    return settings


def _write_jupyter_config(settings: ClassSettings) -> None:
    """The configuration every server reads: nbgrader's course, its exchange, and the hub's groups as its class list."""
    settings.jupyter_config.mkdir(exist_ok=True)
    (settings.jupyter_config / "nbgrader_config.py").write_text(
        '"""nbgrader on the class hub: every server, learners\' and instructor\'s, reads this file."""\n\n'
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.Exchange.root = {str(settings.exchange)!r}\n"
        "# Who takes which course is the hub's groups: nbgrader-<course> (learners), formgrade-<course> (graders).\n"
        'c.Authenticator.plugin_class = "nbgrader.auth.JupyterHubAuthPlugin"\n'
        f"c.NbGrader.logfile = {str(settings.state / 'nbgrader.log')!r}\n"
    )
    # A login shell would start from the system's PATH, without the account's Python; a plain one keeps the server's.
    (settings.jupyter_config / "jupyter_server_config.json").write_text(
        json.dumps({"ServerApp": {"terminado_settings": {"shell_command": ["/bin/bash"]}}}, indent=2)
    )
    settings.learners_jupyter_config.mkdir(exist_ok=True)
    (settings.learners_jupyter_config / "nbgrader_config.py").write_text(
        '"""nbgrader on a learner\'s server: submissions and feedback are the hub account\'s."""\n\n'
        "import os\n\n"
        "c = get_config()  # noqa: F821\n"
        "# nbgrader takes the system user's name, and every server of this demo runs as one system user.\n"
        'c.CourseDirectory.student_id = os.environ["JUPYTERHUB_USER"]\n'
    )


def _set_up_course_directory(settings: ClassSettings) -> None:
    """The instructor's course directory, copied from the repository once, with its grading secret (made once, never
    copied from anywhere) and the learners on its class list."""
    from nbgrader.api import Gradebook

    course = settings.course_directory
    if not course.exists():
        course.mkdir()
        shutil.copy(REPOSITORY / "nbgrader_config.py", course)
        for folder in ("solutions", "course"):
            shutil.copytree(REPOSITORY / folder, course / folder)
    if not (course / secret.FILE).exists():  # a file, since the instructor's server inherits no environment variable
        secret.make(course)
    own_config = settings.home(settings.instructor) / ".jupyter" / "nbgrader_config.py"
    own_config.parent.mkdir(exist_ok=True)
    own_config.write_text(f"c = get_config()  # noqa: F821\nc.CourseDirectory.root = {str(course)!r}  # the Formgrader's course\n")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for learner in settings.learners:
            gradebook.update_or_create_student(learner)
