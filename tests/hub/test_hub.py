"""The workshop hub for real (``make test-hub``; needs root): JupyterHub + configurable-http-proxy
on 127.0.0.1, two learner accounts created and removed here, lessons pulled with nbgitpuller.

Checks: the hub starts and stops cleanly (no process left, port closed); only the accounts it
should admit log in, the instructor is the only admin, there is no sign-up page; two learners
are isolated (one tries to read the other's notebook and fails); a pull brings course updates
without overwriting a learner's edit; ``python -m fairlab.reset`` on the hub restores a changed
lesson and keeps the backup, and rejects an unknown lesson; the idle culler runs as a service.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest
import requests

from tests.hub.client import HubClientError, Learner, run_code

ROOT = Path(__file__).resolve().parents[2]
HUBCTL = [sys.executable, str(ROOT / "deploy" / "hub" / "hubctl.py")]
PORT = int(os.environ.get("FAIRLAB_TEST_HUB_PORT", "18000"))
PASSWORD = "t3st-" + os.urandom(6).hex()
ANN, BOB = "fairlab-tann", "fairlab-tbob"
SIX = "06-decision-thresholds.ipynb"



def branch() -> str:
    name = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--abbrev-ref", "HEAD"],
                          capture_output=True, text=True, check=True).stdout.strip()
    return "main" if name == "HEAD" else name


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def ctl(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([*HUBCTL, *args], env=env, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def hub():
    assert os.geteuid() == 0, "make test-hub needs root (it creates system users)"
    sys.path.insert(0, str(ROOT / "deploy" / "hub"))
    from hubctl import private_parent

    if (closed := private_parent(ROOT)) is not None:  # e.g. a clone under /root (mode 700)
        pytest.skip(f"this checkout is under {closed}, which other users cannot enter, so "
                    "learner accounts cannot read it; clone it under /srv, /work or /tmp")
    proxy = ROOT / ".hub" / "node_modules"
    assert proxy.exists(), "run `make test-hub` (it installs configurable-http-proxy first)"
    assert not port_open(PORT), f"port {PORT} is taken; set FAIRLAB_TEST_HUB_PORT"
    # State inside .hub (learners must reach course.git; pytest's tmp is private to root).
    state = Path(tempfile.mkdtemp(dir=ROOT / ".hub", prefix="test-"))
    os.chmod(state, 0o755)
    (state / "node_modules").symlink_to(proxy)
    env = dict(os.environ, FAIRLAB_HUB_STATE=str(state))
    made_instructor = False
    try:
        made_instructor = not _exists("fairlab-instructor")
        out = ctl("start", "--port", str(PORT), "--branch", branch(), env=env)
        assert out.returncode == 0, out.stdout + out.stderr
        out = ctl("add", "tann", "tbob", "--password", PASSWORD, env=env)
        assert out.returncode == 0, out.stderr
        yield {"state": state, "env": env, "start": out, "made_instructor": made_instructor}
    finally:
        ctl("stop", env=env)
        ctl("remove", "tann", "tbob", env=env)
        if made_instructor:
            ctl("remove", "instructor", env=env)
        shutil.rmtree(state, ignore_errors=True)


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="module")
def learners(hub):
    """Both learners logged in, servers started, the course pulled into ~/fairlab."""
    repo = f"file://{hub['state'] / 'course.git'}"
    pair = [Learner(PORT, ANN, PASSWORD), Learner(PORT, BOB, PASSWORD)]

    def arrive(learner: Learner) -> None:
        learner.login()
        learner.start_server()
        learner.pull(repo, branch())

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(arrive, pair))
    return {"ann": pair[0], "bob": pair[1], "repo": repo}


def test_hub_is_up_on_loopback_with_culler(hub):
    assert requests.get(f"http://127.0.0.1:{PORT}/hub/health", timeout=10).status_code == 200
    listening = {c.laddr.ip for c in psutil.net_connections("inet")
                 if c.status == "LISTEN" and c.laddr.port in (PORT, PORT + 1, PORT + 81)}
    assert listening == {"127.0.0.1"}
    culler = [p for p in psutil.process_iter(["cmdline"])
              if "jupyterhub_idle_culler" in " ".join(p.info["cmdline"] or [])
              and any(str(PORT + 81) in (v or "") for v in p.environ().values())]
    assert len(culler) == 1, "the idle culler service is not running"


def test_accounts_homes_and_logins(hub, learners):
    for user in (ANN, BOB):
        home = Path(pwd.getpwnam(user).pw_dir)
        assert (home.stat().st_mode & 0o777) == 0o700
    bad = Learner(PORT, ANN, "wrong-password")
    with pytest.raises(HubClientError, match="login of fairlab-tann failed"):
        bad.login()
    # a system account with the right password but outside fairlab-learners is not admitted
    subprocess.run(["useradd", "--no-create-home", "fairlab-tout"], check=True)
    try:
        subprocess.run(["chpasswd"], input=f"fairlab-tout:{PASSWORD}\n", text=True, check=True)
        with pytest.raises(HubClientError, match="login of fairlab-tout failed"):
            Learner(PORT, "fairlab-tout", PASSWORD).login()
    finally:
        subprocess.run(["userdel", "fairlab-tout"], check=True)
    assert requests.get(f"http://127.0.0.1:{PORT}/hub/signup", timeout=10).status_code == 404
    me = requests.get(f"http://127.0.0.1:{PORT}/hub/api/user", timeout=10,
                      headers={"Authorization": f"token {learners['ann'].token}"}).json()
    assert me["name"] == ANN and me["admin"] is False
    # listing users needs admin: a learner cannot
    r = requests.get(f"http://127.0.0.1:{PORT}/hub/api/users", timeout=10,
                     headers={"Authorization": f"token {learners['ann'].token}"})
    assert r.status_code == 403


def test_instructor_is_the_only_admin(hub, learners):
    if not hub["made_instructor"]:
        pytest.skip("fairlab-instructor existed before the test; its password is not ours")
    pw = (hub["state"] / "private" / "instructor-password").read_text().strip()
    boss = Learner(PORT, "fairlab-instructor", pw)
    boss.login()
    users = requests.get(f"http://127.0.0.1:{PORT}/hub/api/users", timeout=10,
                         headers={"Authorization": f"token {boss.token}"}).json()
    admins = sorted(u["name"] for u in users if u["admin"])
    assert admins == ["fairlab-instructor"]


def test_learners_are_isolated(learners):
    ann, bob = learners["ann"], learners["bob"]
    theirs = f"/home/{ANN}/fairlab/notebooks/{SIX}"
    # Ann reads her own notebook from her kernel...
    assert run_code(ann, f"print(len(open({theirs!r}).read()) > 1000)").strip() == "True"
    # ...Bob's kernel cannot, nor list her home.
    out = run_code(bob, f"""
for attempt in (lambda: open({theirs!r}).read(), lambda: __import__('os').listdir('/home/{ANN}')):
    try:
        attempt()
        print('READ')
    except PermissionError as e:
        print('denied', e.errno)
""")
    assert out.split() == ["denied", "13", "denied", "13"]
    # Bob's token does not open Ann's server either.
    r = requests.get(f"http://127.0.0.1:{PORT}/user/{ANN}/api/contents/fairlab/notebooks/{SIX}",
                     headers={"Authorization": f"token {bob.token}"}, timeout=30,
                     allow_redirects=False)
    assert r.status_code in (302, 403, 404) and "cells" not in r.text


def test_pull_brings_updates_and_keeps_edits(hub, learners):
    ann = learners["ann"]
    path = "fairlab/notebooks/01-where-bias-comes-from.ipynb"
    nb = ann.api("GET", f"api/contents/{path}?content=1").json()["content"]
    nb["cells"][0]["source"] = "my own notes\n" + "".join(nb["cells"][0]["source"])
    assert ann.api("PUT", f"api/contents/{path}",
                   json={"type": "notebook", "format": "json", "content": nb}).status_code == 200
    # the instructor publishes an update to another file
    work = Path(tempfile.mkdtemp(dir=hub["state"]))
    git = ["git", "-c", "user.name=instructor", "-c", "user.email=i@example.org", "-C", str(work)]
    subprocess.run(["git", "clone", "-q", "--branch", branch(), learners["repo"], str(work)],
                   check=True)
    (work / "notebooks" / "NEWS.md").write_text("Lesson 06 starts at 14:00.\n")
    subprocess.run([*git, "add", "notebooks/NEWS.md"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "news"], check=True)
    subprocess.run([*git, "push", "-q", "origin", branch()], check=True)
    ann.pull(learners["repo"], branch())
    news = ann.api("GET", "api/contents/fairlab/notebooks/NEWS.md?content=1").json()
    assert news["content"] == "Lesson 06 starts at 14:00.\n"
    mine = ann.api("GET", f"api/contents/{path}?content=1").json()["content"]
    assert "".join(mine["cells"][0]["source"]).startswith("my own notes\n")


def test_reset_restores_lesson_and_keeps_backup(learners):
    ann = learners["ann"]
    path = f"fairlab/notebooks/{SIX}"
    course = subprocess.run(["git", "-C", str(ROOT), "show", f"HEAD:notebooks/{SIX}"],
                            capture_output=True, check=True).stdout
    nb = ann.api("GET", f"api/contents/{path}?content=1").json()["content"]
    nb["cells"] = nb["cells"][:2]  # "I deleted half the lesson"
    ann.api("PUT", f"api/contents/{path}", json={"type": "notebook", "format": "json",
                                                  "content": nb}).raise_for_status()
    # as a learner types it in a terminal: `python` from the PATH the hub gives her server
    out = run_code(ann, """
import subprocess
for lesson in ("42", "06"):
    r = subprocess.run(f"python -m fairlab.reset {lesson}", shell=True, capture_output=True,
                       text=True, cwd="fairlab/notebooks")
    print(r.returncode, r.stdout.strip(), r.stderr.strip(), sep="|")
""")
    unknown, done = out.strip().splitlines()[0], "\n".join(out.strip().splitlines()[1:])
    assert unknown.startswith("2||fairlab.reset: the course has no lesson 42; its lessons are 00")
    assert done.startswith("0|restored ") and "your copy is kept as" in done
    home = Path(pwd.getpwnam(ANN).pw_dir)
    restored = home / "fairlab" / "notebooks" / SIX
    assert restored.read_bytes() == course
    backups = list((home / "fairlab" / "notebooks" / "backups").glob("06-decision-thresholds-*"))
    assert len(backups) == 1 and len(json.loads(backups[0].read_text())["cells"]) == 2
    assert backups[0].stat().st_uid == restored.stat().st_uid == pwd.getpwnam(ANN).pw_uid


def test_stop_is_clean(hub, learners):
    uids = [pwd.getpwnam(u).pw_uid for u in (ANN, BOB)]
    assert any(p.uids().real in uids for p in psutil.process_iter())  # servers running
    out = ctl("stop", env=hub["env"])
    assert out.returncode == 0 and "stopped" in out.stdout, out.stderr
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (port_open(PORT) or port_open(PORT + 81)):
        time.sleep(0.5)
    assert not port_open(PORT) and not port_open(PORT + 1) and not port_open(PORT + 81)
    left = [p.info for p in psutil.process_iter(["pid", "cmdline", "uids"])
            if p.info["uids"].real in uids
            or str(hub["state"]) in " ".join(p.info["cmdline"] or [])]
    assert left == [], f"processes left after stop: {left}"
    again = ctl("stop", env=hub["env"])
    assert again.returncode == 0 and "not running" in again.stdout
