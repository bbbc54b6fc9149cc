# Two commands for everyone: `make lab` and `make test`. Both set up .venv first.
# Re-running is quick: the install step only re-runs when pyproject.toml changes.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: lab test web-assets book notebooks runs editions clean

# CPU=1: PyTorch's CPU-only wheels (a Linux laptop without an NVIDIA GPU; PyPI's default Linux wheel pulls
# several GB of CUDA libraries). Only on the first install: the venv keeps what it has.
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(if $(CPU),$(BIN)/python -m pip install --quiet torch torchvision --index-url $(TORCH_CPU_INDEX))

# The notebooks' small training runs print their numbers and nbval compares them with the stored ones.
# An AVX-512 CPU picks other kernels (another summation order) than an AVX2 one, and trained numbers drift
# apart: these targets cap ATen, oneDNN and MKL at AVX2, the kernels the stored outputs were made with.
ifneq ($(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && echo yes),)
export ATEN_CPU_CAPABILITY := avx2
export ONEDNN_MAX_CPU_ISA := AVX2
export MKL_CBWR := AVX2
endif

# One stamp per extra, so `make lab` never installs the test tools.
$(VENV)/.installed-lab: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[lab]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-lab

# JupyterLab refuses to run as root (containers, CI boxes) unless told it may.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

# The server's root is the repository, so a notebook's link to the lesson module behind it
# (../xception_edu/lessons/nbNN_*.py) opens; the browser starts in notebooks/.
# lab-settings/overrides.json: a classroom-clean Lab (no "get notified about news?" pop-up, no update
# check; arrows in a widget's drop-down move its value, not the cell) for this server only.
lab: $(VENV)/.installed-lab
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks \
	  --LabApp.app_settings_dir=$(CURDIR)/lab-settings $(ROOT_FLAG) $(LAB_ARGS)

# ruff (configured in pyproject.toml) first, then pytest over the package tests and nbval (strict: stored
# outputs must match) over every notebook, one process per core (pytest-xdist); --dist loadfile keeps a
# file's tests together: a notebook's cells run in order in one kernel, a module's fixture is built once.
# OMP_WAIT_POLICY=PASSIVE: an idle OpenMP thread sleeps instead of spinning on a core another worker needs
# (two workers' kernels and subprocesses on 2 cores otherwise slowed each other five-fold); numbers unchanged.
XDIST ?= -n auto --dist loadfile
test: $(VENV)/.installed-test web-assets
	$(BIN)/ruff check xception_edu tests tools hubconf.py
	OMP_WAIT_POLICY=PASSIVE $(BIN)/python -m pytest tests notebooks $(NBVAL) $(XDIST) $(PYTEST_ARGS)

# The widget manager and require.js an exported notebook page loads instead of a CDN's (the accessibility
# audit's pages): npm packages at pinned versions and hashes, in the ignored .cache/web-assets/; once.
# Without npm the audit is skipped with the reason (under CI it fails), the rest of `make test` runs.
web-assets: $(VENV)/.installed-test
	-$(BIN)/python -m tools.course.web_assets

# The course as an offline website (tools/book): the stored notebooks, the guide and the notes, nothing
# executed; open _build/book/html/index.html from disk, or publish the folder on any static host.
book: $(VENV)/.installed-test web-assets
	$(BIN)/python -m tools.book.build

# For maintainers: fold the solutions (tools/course/folding.py), then re-execute every notebook in place,
# storing outputs and widget state (each exercise: its task, its stub, its worked solution hidden).
notebooks: $(VENV)/.installed-test
	$(BIN)/python -m tools.course.folding notebooks/[0-9]*.ipynb
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.store_widget_state=True \
	  --ExecutePreprocessor.kernel_name=python3 \
	  --ExecutePreprocessor.timeout=600 notebooks/[0-9]*.ipynb
	$(BIN)/python -m tools.course.class_time --write  # class times by the rule, from what is now stored

# For maintainers, after `make notebooks` on a quiet machine: measure each notebook's run time and peak
# memory (docs/notebook-runs.json) and copy the numbers into the course guide, the instructor notes and
# each notebook's opening cell, with the class times of tools/course/class_time.py (test_runs.py checks).
runs: $(VENV)/.installed-test
	$(BIN)/python -m tools.course.runs --write

# For instructors: editions/student (solutions removed), editions/instructor (with notes) and
# editions/nbgrader (a ready nbgrader course; writing it needs only nbformat, grading it needs nbgrader).
editions: $(VENV)/.installed-lab
	$(BIN)/python -m tools.course.editions

clean:
	rm -rf $(VENV) .pytest_cache
