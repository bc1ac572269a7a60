# Single entry point. Every target installs what it needs into ./.venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup report test lab clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name jaarverslag --display-name "Python (jaarverslag)"
	touch $(STAMP)

setup: $(STAMP) ## create .venv with the project, test tools and the Jupyter kernel

report: $(STAMP) ## render the reports in params/batch.yaml from the shipped data into build/
	$(BIN)/jaarverslag render

test: $(STAMP) ## run the test suite (pytest + nbval)
	$(BIN)/python -m pytest

lab: $(STAMP) ## open the notebooks in JupyterLab with the project kernel
	$(BIN)/jupyter lab --notebook-dir=notebooks

clean:
	rm -rf build
