"""tests/hub runs only from `make test-hub` (FAIRLAB_TEST_HUB=1, as root): it creates system
users and starts a JupyterHub, which `make unit` must not do."""

import os

if not os.environ.get("FAIRLAB_TEST_HUB"):
    collect_ignore_glob = ["*.py"]
