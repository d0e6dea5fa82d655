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

.PHONY: lab test unit nbval browser notebooks bench lint app solutions clean site

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

browser: $(STAMP)
	$(PY) -m pytest -q -p no:cacheprovider tests/browser

# Re-execute every lesson in place, in order, deterministically, without widget state.
notebooks: $(STAMP)
	$(PY) scripts/run_notebooks.py notebooks

# Regenerate solutions/ from the lessons (they never drift: a test checks).
solutions: $(STAMP)
	$(PY) scripts/make_solutions.py

bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; MPLBACKEND=Agg $(PY) $$b || exit 1; done

# The course website in _site/ (offline: KaTeX and axe-core come from npm into .site-node/).
# SITE_REPO=https://github.com/<owner>/<name> sets the launch buttons' repository.
site: $(STAMP)
	@test -f .site-node/node_modules/katex/dist/katex.min.js -a -f .site-node/node_modules/axe-core/axe.min.js || \
		npm install --prefix .site-node --no-save --no-audit --no-fund katex@0.19.1 axe-core@4.14.1
	$(PY) scripts/build_site.py --out _site $(if $(SITE_REPO),--repo $(SITE_REPO))

clean:
	rm -rf $(VENV) .pytest_cache tests/browser/artifacts
