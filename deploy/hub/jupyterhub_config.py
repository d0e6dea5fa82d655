# JupyterHub for a fairlab workshop on one machine (`make hub`; run as root).
#
# Who is who: every learner is a separate system user `fairlab-<name>` in the group
# `fairlab-learners`, with a home of mode 700, created by `deploy/hub/learners.py add NAME`
# (which sets the password). The instructor is the system user `fairlab-instructor`, the hub's
# only admin. Logins go through PAM (the system passwords): there is no sign-up page at all,
# and only members of fairlab-learners or the admin may log in (not root, not other accounts).
#
# Why system users and not containers: there is no container runtime here (and on a small
# server it is one more thing to run); separate Unix users give each learner their own files,
# processes and home (mode 700), which the kernel enforces. A container spawner adds
# per-learner memory limits; `deploy/z2jh/` has that set-up for larger rooms.
#
# Lessons arrive through nbgitpuller: each learner's first page is a git-pull link that clones
# the course into ~/fairlab (later visits merge updates and keep the learner's edits).
#
# Everything is configured from the environment so tests can use other ports and folders:
#   FAIRLAB_HUB_STATE   state folder (database, secrets, logs)     default: <checkout>/.hub
#   FAIRLAB_HUB_PORT    public port on 127.0.0.1                    default: 8000
#   FAIRLAB_COURSE_REPO git URL the lessons are pulled from          default: file://<state>/course.git
#   FAIRLAB_CULL_TIMEOUT seconds of inactivity before a server stops default: 3600
import os
import shlex
import sys
from pathlib import Path
from urllib.parse import quote, urlencode

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

ROOT = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("FAIRLAB_HUB_STATE", ROOT / ".hub"))
PRIVATE = STATE / "private"  # mode 700: database, secrets, log (course.git beside it is public)
PORT = int(os.environ.get("FAIRLAB_HUB_PORT", "8000"))
REPO = os.environ.get("FAIRLAB_COURSE_REPO", f"file://{STATE}/course.git")
BRANCH = os.environ.get("FAIRLAB_COURSE_BRANCH", "main")
CULL_TIMEOUT = int(os.environ.get("FAIRLAB_CULL_TIMEOUT", "3600"))
CULL_EVERY = int(os.environ.get("FAIRLAB_CULL_EVERY", str(max(10, min(300, CULL_TIMEOUT // 2)))))
INSTRUCTOR = "fairlab-instructor"
LEARNERS_GROUP = "fairlab-learners"

# Network: loopback only. Put a TLS-terminating reverse proxy in front for a real room.
c.JupyterHub.bind_url = f"http://127.0.0.1:{PORT}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = PORT + 81
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 1}"
c.ConfigurableHTTPProxy.command = [str(STATE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.should_start = True

# State: all in the gitignored state folder.
c.JupyterHub.db_url = f"sqlite:///{PRIVATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(PRIVATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(PRIVATE / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True   # stopping the hub stops every learner's server
c.JupyterHub.cleanup_proxy = True

# Who may log in: PAM (system passwords), members of the learners' group and the instructor.
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {LEARNERS_GROUP}
c.Authenticator.admin_users = {INSTRUCTOR}
c.Authenticator.allowed_users = {INSTRUCTOR}  # admitted by name (groups OR names)
c.PAMAuthenticator.open_sessions = False     # no systemd-logind session per server
c.Authenticator.allow_all = False
c.Authenticator.allow_existing_users = False
c.Authenticator.delete_invalid_users = True  # a removed learner's hub record goes too

# Learners' servers: local processes running as the learner, from this environment.
c.JupyterHub.spawner_class = "localprocess"
# FAIRLAB_HUB_PYTHON: an interpreter learners can run (hubctl.py checks; see learner_python).
LEARNER_PYTHON = os.environ.get("FAIRLAB_HUB_PYTHON", sys.executable)
c.Spawner.cmd = [LEARNER_PYTHON, "-m", "jupyterhub.singleuser"]
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 90
pull = urlencode({"repo": REPO, "branch": BRANCH, "targetpath": "fairlab",
                  "urlpath": "lab/tree/fairlab/notebooks/00-start-here.ipynb"}, quote_via=quote)
c.Spawner.default_url = f"/git-pull?{pull}"
c.Spawner.environment = {
    # `python` in a learner's terminal (and `!python` in a cell) is the course's interpreter,
    # e.g. for `python -m fairlab.reset 06`.
    "PATH": f"{Path(LEARNER_PYTHON).parent}:/usr/local/bin:/usr/bin:/bin",
    # One thread per kernel: 30 kernels must not each grab every core (see the guide).
    "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    # The course's JupyterLab settings (no news pop-up, no update check), read-only, and this
    # environment's extensions, kernels and JupyterLab (also when FAIRLAB_HUB_PYTHON is a
    # stand-in interpreter whose own prefix is elsewhere).
    "JUPYTER_CONFIG_PATH": f"{ROOT / 'deploy' / 'hub' / 'singleuser'}:{sys.prefix}/etc/jupyter",
    "JUPYTER_PATH": f"{sys.prefix}/share/jupyter",
    "JUPYTERLAB_DIR": f"{sys.prefix}/share/jupyter/lab",
    # The lessons read the shipped data from the course checkout.
    "FAIRLAB_DATA": str(ROOT / "data"),
    # git refuses a repository owned by another user unless a protected (system or global)
    # config marks it safe: the course clone is owned by root and read-only for learners.
    # hubctl.py writes this file (it names only course.git).
    "GIT_CONFIG_SYSTEM": str(STATE / "gitconfig"),
}
if os.environ.get("FAIRLAB_HUB_PYTHONPATH"):  # development: import fairlab from a worktree
    c.Spawner.environment["PYTHONPATH"] = os.environ["FAIRLAB_HUB_PYTHONPATH"]
# A local process spawner cannot enforce these; it passes them on (MEM_LIMIT, CPU_LIMIT) so a
# learner sees them. Enforced limits need a container spawner (deploy/z2jh/).
c.Spawner.mem_limit = os.environ.get("FAIRLAB_MEM_LIMIT", "2G")

# Idle servers are stopped by the idle culler, running as a hub service with only the
# permissions it needs.
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                f"--timeout={CULL_TIMEOUT}", f"--cull-every={CULL_EVERY}"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
c.JupyterHub.log_level = os.environ.get("FAIRLAB_HUB_LOG_LEVEL", "INFO")
print(f"fairlab hub: course {shlex.quote(REPO)} ({BRANCH}), culler {CULL_TIMEOUT}s",
      file=sys.stderr)
