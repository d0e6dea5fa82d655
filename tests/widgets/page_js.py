"""Run the page's own code (the bundle a BrowserView sends: view.js + js/kinds/*.js) in Node,
so tests can compare what the page computes with Python's ``compute``."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from fairlab.widgets.browser import BrowserView

NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


def run_in_page(call: str, payload: dict, tmp_path: Path) -> object:
    """Evaluate ``call`` (a JS expression over ``m``, the page's module, and ``data``, the
    JSON ``payload``) in Node and return its JSON value."""
    bundle = tmp_path / "bundle.mjs"
    bundle.write_text(BrowserView._esm, encoding="utf-8")
    script = (f"import * as m from {json.dumps(bundle.as_uri())};\n"
              "let d = ''; process.stdin.on('data', (c) => d += c);\n"
              "process.stdin.on('end', () => { const data = JSON.parse(d);\n"
              f"  console.log(JSON.stringify({call})); }});\n")
    done = subprocess.run([NODE, "--input-type=module", "-e", script], check=True,
                          capture_output=True, text=True, input=json.dumps(payload))
    return json.loads(done.stdout)
