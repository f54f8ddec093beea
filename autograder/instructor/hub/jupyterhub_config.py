"""JupyterHub's configuration for the class, all of it: read by `python -m autograder.instructor.hub`.

The class's own facts (accounts, passwords, ports, the two Pythons, paths)
come from the class directory's class.json, written by the command; see
`classroom`. What changes in production is said at each setting.
"""

import os
from pathlib import Path

from autograder.instructor.hub.classroom import COURSE_ID, LEARNER_LAB, ClassSettings

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)
settings = ClassSettings.load(Path(os.environ["AUTOGRADER_HUB_CLASS"]))

# Where the hub listens, and its state (database, cookie secret, the proxy's pid) in the class directory.
c.JupyterHub.ip, c.JupyterHub.port = settings.ip, settings.port
c.JupyterHub.hub_ip, c.JupyterHub.hub_port = "127.0.0.1", settings.hub_port
c.JupyterHub.db_url = f"sqlite:///{settings.state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(settings.state / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.command = [settings.proxy]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
c.ConfigurableHTTPProxy.pid_file = str(settings.state / "jupyterhub-proxy.pid")
c.JupyterHub.cleanup_servers = c.JupyterHub.cleanup_proxy = True  # stopping the hub stops every server and the proxy

# Accounts. A demo's authenticator: one password for the learners, another for the instructor (a hub
# admin). Anyone with the learners' password can log in as any learner. In production use the
# university's single sign-on (oauthenticator, ltiauthenticator from the learning platform, or
# ldapauthenticator).
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = settings.learner_password
c.SharedPasswordAuthenticator.admin_password = settings.instructor_password
c.Authenticator.admin_users = {settings.instructor}
c.Authenticator.allowed_users = {settings.instructor, *settings.learners}

# The course, registered as nbgrader's JupyterHub groups: nbgrader-<course> takes the course,
# formgrade-<course> grades it. Servers' tokens inherit their owner's permissions, so that nbgrader
# can read the groups (and the instructor, an admin, the learners').
c.JupyterHub.load_groups = {
    f"nbgrader-{COURSE_ID}": {"users": [settings.instructor, *settings.learners]},
    f"formgrade-{COURSE_ID}": {"users": [settings.instructor]},
}
c.JupyterHub.load_roles = [{"name": "server", "scopes": ["inherit"]}]

# Servers. Every account's runs as the hub's own system user, in its own home under the class
# directory: no isolation between accounts, fit for a demo on one machine only. In production each
# learner is a system user (LocalProcessSpawner, or The Littlest JupyterHub) or a container of the
# learner's image (KubeSpawner, Zero to JupyterHub).
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = str(settings.root / "home" / "{username}")
c.Spawner.default_url = "/lab"
c.Spawner.args = ["--allow-root"] if os.geteuid() == 0 else []


def run_in_the_right_install(spawner) -> None:
    """Learners' servers run the learners' Python with learner-lab/'s JupyterLab; the instructor's, the instructor's."""
    learner = spawner.user.name != settings.instructor
    python = Path(settings.learner_python if learner else settings.instructor_python)
    config_path = [LEARNER_LAB, settings.learners_jupyter_config, settings.jupyter_config] if learner else [settings.jupyter_config]
    spawner.cmd = [str(python), "-m", "jupyterhub.singleuser"]
    spawner.environment = {
        "AUTOGRADER_HUB_CLASS": settings.directory,  # marks every process of the class, so that stopping finds them all
        "JUPYTER_CONFIG_PATH": os.pathsep.join(map(str, config_path)),
        "PATH": os.pathsep.join([str(python.parent), os.environ.get("PATH", os.defpath)]),
    }


c.Spawner.pre_spawn_hook = run_in_the_right_install
