"""Run the workshop hub and manage its accounts (as root). Used by `make hub` / `make hub-stop`.

    hubctl.py start [--port 8000] [--branch main]   start the hub in the background, print URL
    hubctl.py stop                                  stop it (and every learner's server)
    hubctl.py status
    hubctl.py add NAME [NAME ...] [--password PW]   learners fairlab-NAME; prints passwords
    hubctl.py remove NAME [NAME ...]                stop their processes, delete user and home
    hubctl.py list

Learners are system users ``fairlab-NAME`` in the group ``fairlab-learners``, homes of mode
700; the instructor is ``fairlab-instructor`` (the hub's only admin), created by ``start`` with
a generated password kept in ``.hub/private/instructor-password`` (mode 600). Passwords of
learners are printed once and kept in ``.hub/private/learners.tsv`` (mode 600) to hand out.
The state folder is ``.hub/`` (``FAIRLAB_HUB_STATE``); it ignores itself in git.
"""

from __future__ import annotations

import argparse
import grp
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "hub" / "jupyterhub_config.py"
PREFIX = "fairlab-"
GROUP = "fairlab-learners"
INSTRUCTOR = "fairlab-instructor"
NAME = re.compile(r"^[a-z][a-z0-9]{0,15}$")


class HubError(Exception):
    """A problem the instructor can fix; printed without a traceback."""


def state() -> Path:
    return Path(os.environ.get("FAIRLAB_HUB_STATE", ROOT / ".hub")).resolve()


def private() -> Path:
    return state() / "private"


def need_root() -> None:
    if os.geteuid() != 0:
        raise HubError("the hub runs each learner's server as that learner's own system user, "
                       "so it needs root: run it with sudo (e.g. sudo make hub).")


def run(*cmd: str, stdin: str | None = None) -> str:
    out = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    if out.returncode:
        raise HubError(f"{' '.join(cmd)} failed: {out.stderr.strip()}")
    return out.stdout


def exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
    except KeyError:
        return False
    return True


def write_private(path: Path, text: str, *, append: bool = False) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC), 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


def make_user(user: str, password: str, *, learner: bool) -> None:
    groups = ["-G", GROUP] if learner else []
    run("useradd", "--create-home", "--shell", "/bin/bash", "--comment", "fairlab workshop",
        *groups, user)
    home = Path(pwd.getpwnam(user).pw_dir)
    os.chmod(home, 0o700)  # nobody else may read this learner's files
    run("chpasswd", stdin=f"{user}:{password}\n")


def learners() -> list[str]:
    try:
        return sorted(grp.getgrnam(GROUP).gr_mem)
    except KeyError:
        return []


def add(names: list[str], password: str | None) -> list[tuple[str, str]]:
    """Create learners (all or none): validate every name before creating any."""
    need_root()
    bad = [n for n in names if not NAME.match(n)]
    if bad:
        raise HubError(f"learner names must be 1-16 lower-case letters or digits, starting "
                       f"with a letter; got {bad}. Use e.g. 'alice' or 'learner07'.")
    taken = [PREFIX + n for n in names if exists(PREFIX + n)]
    if taken or len(set(names)) != len(names):
        raise HubError(f"already exist or repeated: {taken or names}; remove them first "
                       f"(hubctl.py remove ...) or pick other names.")
    run("groupadd", "-f", GROUP)
    made = []
    private().mkdir(parents=True, exist_ok=True)
    try:
        for n in names:
            pw = password or secrets.token_urlsafe(9)
            make_user(PREFIX + n, pw, learner=True)
            made.append((PREFIX + n, pw))
    except HubError:
        remove([u[len(PREFIX):] for u, _ in made], quiet=True)
        raise
    write_private(private() / "learners.tsv", "".join(f"{u}\t{pw}\n" for u, pw in made),
                  append=True)
    return made


def stop_processes(uid: int) -> None:
    """Terminate every process of one workshop account (by pid, found by its uid)."""
    import psutil

    procs = [p for p in psutil.process_iter(["uids"]) if p.info["uids"] and
             p.info["uids"].real == uid]
    for p in procs:
        try:
            p.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=10)
    for p in alive:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=5)


def remove(names: list[str], *, quiet: bool = False) -> None:
    need_root()
    for n in names:
        user = n if n.startswith(PREFIX) else PREFIX + n
        if not exists(user):
            if not quiet:
                print(f"{user}: no such account")
            continue
        stop_processes(pwd.getpwnam(user).pw_uid)
        run("userdel", "--remove", user)
        if not quiet:
            print(f"removed {user} and its home")


def pid() -> int | None:
    try:
        p = int((private() / "hubctl.pid").read_text())
        os.kill(p, 0)
    except (OSError, ValueError):
        return None
    return p


def url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"{url(port)}/hub/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def runs_for_learners(python: str | Path) -> bool:
    """Can an unprivileged user run ``python`` and import the hub and fairlab with it?"""
    try:
        out = subprocess.run([str(python), "-c", "import jupyterhub.singleuser, fairlab"],
                             user="nobody", cwd="/", capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0


def private_parent(path: Path) -> Path | None:
    """The first folder at or above ``path`` that other users cannot enter, if any."""
    for folder in [path, *path.parents]:
        if not folder.stat().st_mode & 0o001:
            return folder
    return None


def check_reachable() -> None:
    """Learners' servers read the course checkout (package, data, course.git) as themselves."""
    if (closed := private_parent(ROOT)) is not None:
        raise HubError(f"learners cannot enter {closed} (mode "
                       f"{closed.stat().st_mode & 0o777:o}), so their servers cannot read "
                       f"the course in {ROOT}: clone it where every user can read it, e.g. "
                       "/srv/fairlab, and run `make hub` there.")


def learner_python() -> str:
    """An interpreter that learners' accounts can run, with this environment's packages.

    Normally this environment's own python. When that interpreter sits where other users
    cannot reach it (e.g. a Python built under /root, mode 700), a small venv in the state
    folder runs the system's python of the same version and reads this environment's
    packages through a ``.pth`` file: the same packages, reachable by learners.
    """
    if runs_for_learners(sys.executable):
        return sys.executable
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = shutil.which(version, path="/usr/local/bin:/usr/bin:/bin")
    venv = state() / "learner-python"
    python = venv / "bin" / version
    if system and not python.exists():
        run(system, "-m", "venv", "--without-pip", str(venv))
        site = venv / "lib" / version / "site-packages"
        purelib = sysconfig.get_paths()["purelib"]
        (site / "fairlab-hub.pth").write_text(f"import site; site.addsitedir({purelib!r})\n")
        run("chmod", "-R", "a+rX", str(venv))
    if not (system and runs_for_learners(python)):
        raise HubError(f"learners' accounts cannot run {sys.executable} (a folder above it is "
                       f"private) and no system {version} was found to stand in for it; "
                       "install the environment where every user can read it (e.g. /opt).")
    return str(python)


def course_repo(branch: str) -> str:
    """A bare clone of this checkout's committed course: what nbgitpuller pulls from."""
    bare = state() / "course.git"
    if not bare.exists():
        run("git", "clone", "--quiet", "--bare", "--no-hardlinks", str(ROOT), str(bare))
    else:
        run("git", "-C", str(bare), "fetch", "--quiet", str(ROOT), "+refs/heads/*:refs/heads/*")
    run("git", "-C", str(bare), "rev-parse", "--verify", f"refs/heads/{branch}")
    run("chmod", "-R", "a+rX", str(bare))
    # learners' git must trust a repository root owns (read by their servers' git as the
    # system config, see jupyterhub_config.py)
    cfg = state() / "gitconfig"
    cfg.write_text(f"[safe]\n\tdirectory = {bare}\n")
    os.chmod(cfg, 0o644)
    return f"file://{bare}"


def start(port: int, branch: str) -> None:
    need_root()
    chp = state() / "node_modules" / ".bin" / "configurable-http-proxy"
    if not chp.exists():
        raise HubError(f"{chp} is missing; `make hub` installs it (npm install --prefix .hub "
                       "configurable-http-proxy).")
    check_reachable()
    if (p := pid()) is not None:
        print(f"fairlab hub is already running (pid {p}): {url(port)}/ — stop: make hub-stop")
        return
    state().mkdir(parents=True, exist_ok=True)
    os.chmod(state(), 0o755)
    (state() / ".gitignore").write_text("*\n")
    private().mkdir(exist_ok=True)
    os.chmod(private(), 0o700)
    repo = course_repo(branch)
    if not exists(INSTRUCTOR):
        pw = secrets.token_urlsafe(12)
        make_user(INSTRUCTOR, pw, learner=False)
        write_private(private() / "instructor-password", pw + "\n")
    env = dict(os.environ, FAIRLAB_HUB_STATE=str(state()), FAIRLAB_HUB_PORT=str(port),
               FAIRLAB_COURSE_REPO=repo, FAIRLAB_COURSE_BRANCH=branch,
               FAIRLAB_HUB_PYTHON=learner_python())
    log = open(private() / "hub.log", "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)],
                            cwd=private(), env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    write_private(private() / "hubctl.pid", f"{proc.pid}\n")
    deadline = time.monotonic() + 90
    while not healthy(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            stop()
            tail = (private() / "hub.log").read_text(errors="replace").splitlines()[-15:]
            raise HubError("the hub did not start; last lines of .hub/private/hub.log:\n  "
                           + "\n  ".join(tail))
        time.sleep(0.5)
    link = urlencode({"repo": repo, "branch": branch, "targetpath": "fairlab",
                      "urlpath": "lab/tree/fairlab/notebooks/00-start-here.ipynb"},
                     quote_via=quote)
    rel = os.path.relpath(private(), Path.cwd())
    print(f"""fairlab hub running: {url(port)}/   (pid {proc.pid}; stop: make hub-stop)
  log:        {rel}/hub.log
  instructor: {INSTRUCTOR} (the only admin); password in {rel}/instructor-password
  learners:   sudo {sys.executable} deploy/hub/hubctl.py add alice bob ...
              (prints each fairlab-NAME login and password; also kept in {rel}/learners.tsv)
  lessons:    every learner's first page pulls the course into ~/fairlab; the same link:
              {url(port)}/hub/user-redirect/git-pull?{link}
  reset:      a learner runs `python -m fairlab.reset 06` in a terminal in ~/fairlab/notebooks
  load test:  sudo {sys.executable} benchmarks/bench_hub.py --port {port}""")


def stop() -> None:
    p = pid()
    if p is None:
        print("fairlab hub is not running.")
        return
    os.kill(p, signal.SIGTERM)  # the hub stops every learner's server, the proxy, the culler
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        try:
            os.kill(p, 0)
        except OSError:
            break
        try:
            os.waitpid(p, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.2)
    else:
        os.killpg(p, signal.SIGKILL)
    try:
        os.killpg(p, 0)
        time.sleep(2)
        os.killpg(p, signal.SIGKILL)  # anything of the hub's session still there
    except OSError:
        pass
    (private() / "hubctl.pid").unlink(missing_ok=True)
    print(f"fairlab hub stopped (pid {p}).")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hubctl.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("start")
    s.add_argument("--port", type=int, default=int(os.environ.get("FAIRLAB_HUB_PORT", 8000)))
    s.add_argument("--branch", default="main")
    sub.add_parser("stop")
    sub.add_parser("status")
    a = sub.add_parser("add")
    a.add_argument("names", nargs="+")
    a.add_argument("--password", help="the same password for all (default: one each)")
    r = sub.add_parser("remove")
    r.add_argument("names", nargs="+")
    sub.add_parser("list")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "start":
            start(args.port, args.branch)
        elif args.cmd == "stop":
            stop()
        elif args.cmd == "status":
            p = pid()
            print(f"running (pid {p})" if p else "not running")
        elif args.cmd == "add":
            made = add(args.names, args.password)
            print("login\tpassword")
            for user, pw in made:
                print(f"{user}\t{pw}")
        elif args.cmd == "remove":
            remove(args.names)
        elif args.cmd == "list":
            print("\n".join(learners()) or "no learners yet")
    except HubError as err:
        print(f"hubctl: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
