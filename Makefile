# fairlab: two commands do everything.
#   make lab   create .venv if missing, install, open JupyterLab on the lessons
#   make test  create .venv if missing, install, run unit tests, nbval and browser tests
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.fairlab-installed
# The project's own Jupyter config: no news prompt, lessons at the root.
export JUPYTER_CONFIG_DIR := $(CURDIR)/.jupyter
export PYTHONHASHSEED := 0
PORT ?= 8888

.PHONY: lab test unit nbval browser notebooks bench lint app solutions clean html site

# Installs once; re-runs only when pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

lab: $(STAMP)
	$(VENV)/bin/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) \
		--ServerApp.root_dir=notebooks --ServerApp.open_browser=True

test: $(STAMP) lint unit nbval browser

# The explorers as standalone pages (no code shown) for a projector or non-coders.
APP_PORT ?= 8866
app: $(STAMP)
	@echo "fairlab explorers: http://127.0.0.1:$(APP_PORT)/voila/render/index.ipynb (Ctrl+C stops)"
	$(VENV)/bin/voila app --Voila.ip=127.0.0.1 --port=$(APP_PORT) --Voila.port_retries=0 \
		--VoilaConfiguration.strip_sources=True --VoilaConfiguration.show_tracebacks=False

lint: $(STAMP)
	$(VENV)/bin/ruff check .

unit: $(STAMP)
	MPLBACKEND=Agg $(PY) -m pytest -q --doctest-modules fairlab tests --ignore=tests/browser

nbval: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env notebooks

browser: $(STAMP) site
	$(PY) -m pytest -q -p no:cacheprovider tests/browser

# Re-execute every lesson in place, in order, deterministically (widget state kept only
# for the explorers drawn in the browser).
notebooks: $(STAMP)
	$(PY) scripts/run_notebooks.py notebooks

# Every lesson as a self-contained page in _html/: executed, explorers drawn in the page,
# no kernel and no network needed to move them.
html: $(STAMP)
	$(PY) scripts/export_html.py --out _html

# Regenerate solutions/ from the lessons (they never drift: a test checks).
solutions: $(STAMP)
	$(PY) scripts/make_solutions.py

bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; MPLBACKEND=Agg $(PY) $$b || exit 1; done

# Workshops on one shared server (needs root): JupyterHub on 127.0.0.1, each learner a system
# user fairlab-NAME; configurable-http-proxy from npm into the gitignored state folder .hub/.
#   make hub        start it in the background, print the URL and how to add learners
#   make hub-stop   stop it and every learner's server
#   make test-hub   the hub's own tests (creates and removes two test learners)
.PHONY: hub hub-stop test-hub
HUB_PORT ?= 8000
HUB_STATE := .hub
HUB_STAMP := $(VENV)/.fairlab-hub-installed
HUB_PROXY := $(HUB_STATE)/node_modules/.bin/configurable-http-proxy
COURSE_BRANCH ?= $(shell b=$$(git rev-parse --abbrev-ref HEAD 2>/dev/null); \
	if [ -z "$$b" ] || [ "$$b" = HEAD ]; then echo main; else echo $$b; fi)

$(HUB_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test,hub]'
	@touch $(HUB_STAMP)

$(HUB_PROXY):
	@mkdir -p $(HUB_STATE) && printf '*\n' > $(HUB_STATE)/.gitignore
	npm install --prefix $(HUB_STATE) --no-audit --no-fund --loglevel=error \
		configurable-http-proxy@5.3.0

hub: $(HUB_STAMP) $(HUB_PROXY)
	$(PY) deploy/hub/hubctl.py start --port $(HUB_PORT) --branch $(COURSE_BRANCH)

hub-stop:
	@if [ -x $(PY) ]; then $(PY) deploy/hub/hubctl.py stop; else echo "fairlab hub is not running."; fi

test-hub: $(HUB_STAMP) $(HUB_PROXY)
	FAIRLAB_TEST_HUB=1 $(PY) -m pytest -q -p no:cacheprovider tests/hub

# The course website in _site/ (offline: KaTeX and axe-core come from npm into .site-node/).
# SITE_REPO=https://github.com/<owner>/<name> sets the launch buttons' repository.
site: $(STAMP)
	@test -f .site-node/node_modules/katex/dist/katex.min.js -a -f .site-node/node_modules/axe-core/axe.min.js || \
		npm install --prefix .site-node --no-save --no-audit --no-fund katex@0.19.1 axe-core@4.14.1
	$(PY) scripts/build_site.py --out _site $(if $(SITE_REPO),--repo $(SITE_REPO))

clean:
	rm -rf $(VENV) .pytest_cache tests/browser/artifacts
