"""A learner talking to the workshop hub over HTTP, as a browser would: shared by
``tests/hub`` and ``benchmarks/bench_hub.py``. Loopback only; every wait is bounded.

Log in through the hub's login form (``/hub/login``, with its XSRF cookie), get an API token
for the learner's own account, start the learner's server, pull the course with nbgitpuller's
API (``/user/NAME/git-pull/api``), and run a notebook's cells in a kernel through the Jupyter
server's REST and websocket APIs.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote

import requests
import websocket  # websocket-client, a jupyter_server dependency

ROOT_URL = "http://127.0.0.1:{port}"


class HubClientError(RuntimeError):
    """Something a learner would see fail: login, spawn, pull or a cell."""


@dataclass
class Learner:
    port: int
    name: str
    password: str
    session: requests.Session = field(default_factory=requests.Session)
    token: str = ""

    @property
    def base(self) -> str:
        return ROOT_URL.format(port=self.port)

    def _auth(self) -> dict:
        return {"Authorization": f"token {self.token}"}

    def login(self) -> None:
        """Log in through the form; then take a token for this learner's own API calls."""
        s = self.session
        s.get(f"{self.base}/hub/login", timeout=30).raise_for_status()
        xsrf = s.cookies.get("_xsrf", path="/hub/")
        r = s.post(f"{self.base}/hub/login?next=", data={
            "username": self.name, "password": self.password, "_xsrf": xsrf},
            allow_redirects=False, timeout=60)
        if r.status_code != 302:
            raise HubClientError(f"login of {self.name} failed: HTTP {r.status_code}")
        xsrf = s.cookies.get("_xsrf", path="/hub/")  # a new one, bound to the session
        r = s.post(f"{self.base}/hub/api/users/{self.name}/tokens",
                   headers={"X-XSRFToken": xsrf}, json={"note": "test", "expires_in": 3600},
                   timeout=30)
        if r.status_code != 201:
            raise HubClientError(f"token for {self.name}: HTTP {r.status_code} {r.text[:200]}")
        self.token = r.json()["token"]

    def start_server(self, timeout: float = 180) -> None:
        r = requests.post(f"{self.base}/hub/api/users/{self.name}/server", headers=self._auth(),
                          timeout=60)
        if r.status_code not in (201, 202, 400):  # 400: already running
            raise HubClientError(f"spawn of {self.name}: HTTP {r.status_code} {r.text[:200]}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            user = requests.get(f"{self.base}/hub/api/users/{self.name}", headers=self._auth(),
                                timeout=30).json()
            server = user.get("servers", {}).get("")
            if server and server.get("ready"):
                return
            time.sleep(0.5)
        raise HubClientError(f"server of {self.name} not ready after {timeout:.0f} s")

    def stop_server(self) -> None:
        requests.delete(f"{self.base}/hub/api/users/{self.name}/server", headers=self._auth(),
                        timeout=60)

    def api(self, method: str, path: str, **kw) -> requests.Response:
        """A request to this learner's Jupyter server, ``path`` after ``/user/NAME/``."""
        return requests.request(method, f"{self.base}/user/{self.name}/{path}",
                                headers=self._auth(), timeout=kw.pop("timeout", 60), **kw)

    def pull(self, repo: str, branch: str, target: str = "fairlab") -> None:
        """What the nbgitpuller link does: clone the course, or merge its updates."""
        q = f"repo={quote(repo, safe='')}&branch={quote(branch)}&targetpath={quote(target)}"
        with self.api("GET", f"git-pull/api?{q}", stream=True, timeout=300) as r:
            r.raise_for_status()
            for line in r.iter_lines(decode_unicode=True):
                if not line or not line.startswith("data:"):
                    continue
                event = json.loads(line[5:])
                if event.get("phase") == "finished":
                    return
                if event.get("phase") == "error":
                    raise HubClientError(f"pull for {self.name}: {event.get('message')}\n"
                                         f"{event.get('output', '')}")
        raise HubClientError(f"pull for {self.name} ended without finishing")

    def run_notebook(self, path: str, timeout: float = 600) -> float:
        """Run every code cell of ``path`` (relative to the home) in a new kernel, in order.

        Returns the Run All time in seconds; raises on the first cell that errors.
        """
        nb = self.api("GET", f"api/contents/{quote(path)}?content=1")
        nb.raise_for_status()
        cells = [c["source"] for c in nb.json()["content"]["cells"]
                 if c["cell_type"] == "code"]
        sess = self.api("POST", "api/sessions", json={
            "path": path, "type": "notebook", "name": path.rsplit("/", 1)[-1],
            "kernel": {"name": "python3"}})
        sess.raise_for_status()
        sid, kid = sess.json()["id"], sess.json()["kernel"]["id"]
        ws_url = (f"ws://127.0.0.1:{self.port}/user/{self.name}/api/kernels/{kid}/channels"
                  f"?session_id={uuid.uuid4().hex}")
        ws = websocket.create_connection(ws_url, header=[f"Authorization: token {self.token}"],
                                         timeout=timeout)
        try:
            t0 = time.perf_counter()
            for i, code in enumerate(cells):
                self._execute(ws, code, i, t0 + timeout)
            return time.perf_counter() - t0
        finally:
            ws.close()
            self.api("DELETE", f"api/sessions/{sid}")

    @staticmethod
    def _execute(ws, code: str, index: int, deadline: float) -> None:
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "",
                       "session": "", "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
        status = idle = None
        while status is None or not idle:
            if time.perf_counter() > deadline:
                raise HubClientError(f"cell {index} did not finish in time")
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "execute_reply":
                status = msg["content"]["status"]
                if status != "ok":
                    raise HubClientError(f"cell {index} failed: {msg['content'].get('ename')}: "
                                         f"{msg['content'].get('evalue')}")
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                idle = True


def run_code(learner: Learner, code: str, timeout: float = 300) -> str:
    """Run ``code`` in a new kernel of ``learner``'s server; return what it printed."""
    r = learner.api("POST", "api/kernels", json={"name": "python3"})
    r.raise_for_status()
    kid = r.json()["id"]
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{learner.port}/user/{learner.name}/api/kernels/{kid}/channels",
        header=[f"Authorization: token {learner.token}"], timeout=timeout)
    out: list[str] = []
    try:
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "",
                       "session": uuid.uuid4().hex, "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
        deadline = time.monotonic() + timeout
        replied = idle = False
        while not (replied and idle):
            if time.monotonic() > deadline:
                raise HubClientError(f"code did not finish in {timeout:.0f} s")
            msg = json.loads(ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "stream":
                out.append(msg["content"]["text"])
            elif kind == "error":
                out.append(f"{msg['content']['ename']}: {msg['content']['evalue']}\n")
            elif kind == "execute_reply":
                replied = True
            elif kind == "status" and msg["content"]["execution_state"] == "idle":
                idle = True
    finally:
        ws.close()
        learner.api("DELETE", f"api/kernels/{kid}")
    return "".join(out)
