# Two commands for everyone: `make lab` and `make test`. Both set up .venv first.
# Re-running is quick: the install step only re-runs when pyproject.toml changes.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: lab test notebooks editions clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# One stamp per extra, so `make lab` never installs the test tools.
$(VENV)/.installed-lab: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-lab

# JupyterLab refuses to run as root (containers, CI boxes) unless told it may.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

# The server's root is the repository, so a notebook's link to the lesson module behind it
# (../xception_edu/lessons/nbNN_*.py) opens; the browser starts in notebooks/.
lab: $(VENV)/.installed-lab
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks $(ROOT_FLAG) $(LAB_ARGS)

# ruff (configured in pyproject.toml) first, then pytest over the package tests and nbval (strict: stored
# outputs must match) over every notebook.
test: $(VENV)/.installed-test
	$(BIN)/ruff check xception_edu tests
	$(BIN)/python -m pytest tests notebooks $(NBVAL) $(PYTEST_ARGS)

# For maintainers: re-execute every notebook in place, storing outputs and widget state.
notebooks: $(VENV)/.installed-test
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.store_widget_state=True \
	  --ExecutePreprocessor.kernel_name=python3 \
	  --ExecutePreprocessor.timeout=600 notebooks/[0-9]*.ipynb

# For instructors: editions/student (solutions removed) and editions/instructor (with notes).
editions: $(VENV)/.installed-lab
	$(BIN)/python -m xception_edu.course.editions

clean:
	rm -rf $(VENV) .pytest_cache
