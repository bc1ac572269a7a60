# Single entry point. Every target installs what it needs first: the project into ./.venv
# (uv, from pyproject.toml: the packages pip would choose, in a fifth of the time) with the
# Jupyter kernel registered inside it,
# Debian's chromium (PDFs, browser tests), poppler-utils (page images of the PDFs for
# review) and axe-core from npm (accessibility tests).
PYTHON ?= python3
# Python writes the byte code of what it imports, once: with PYTHONDONTWRITEBYTECODE set (as on some build
# machines) every kernel and worker would compile pandas and matplotlib again.
unexport PYTHONDONTWRITEBYTECODE
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
AXE    := tests/browser/node_modules/axe-core/axe.min.js

.PHONY: setup chromium report test test-fast lab book clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python --editable '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name jaarverslag --display-name "Python (jaarverslag)"
	touch $(STAMP)

chromium: ## Debian's chromium (PDFs, browser tests; never a downloaded browser), poppler-utils (page images), the PDF's font
	@command -v chromium >/dev/null && command -v pdftoppm >/dev/null && fc-list | grep -q "DejaVu Sans" || \
		{ apt-get update -qq && apt-get install -y -qq chromium poppler-utils fonts-dejavu-core; }

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE)

setup: $(STAMP) chromium $(AXE) ## everything the other targets need

report: $(STAMP) chromium ## render what changed, publish reports, PDFs and index into build/site/, prepare the Quarto books
	$(BIN)/jaarverslag run

test: $(STAMP) chromium $(AXE) ## run the test suite (pytest, nbval, browser tests) on both cores, a file (a notebook's cells) per worker
	$(BIN)/python -m pytest -n 2 --dist loadfile

test-fast: $(STAMP) ## only the unit tests: no notebook execution, PDF or browser
	$(BIN)/python -m pytest -m "not slow"

LAB_ARGS ?=
lab: $(STAMP) ## open the notebooks in JupyterLab: project kernel only, trusted outputs, no autosave, works as root (LAB_ARGS for more)
	$(BIN)/jupyter trust notebooks/*.ipynb
	JUPYTER_CONFIG_PATH=$(CURDIR)/jupyter $(BIN)/jupyter lab --notebook-dir=notebooks \
		--LabApp.app_settings_dir=$(CURDIR)/jupyter/settings $(LAB_ARGS)

book: $(STAMP) ## prepare the Quarto books in build/quarto/ and render them when quarto is installed
	$(BIN)/jaarverslag book

clean:
	rm -rf build
