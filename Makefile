# The course's commands. The first two are all a new user needs:
#   make book   - create (or reuse) .venv, install requirements.lock, build the book
#   make test   - lint, then the fast tests, then the slow ones (the book build, nbgrader grading)
# Developers:
#   make test-fast - everything but the slow grading and book tests (under two minutes)
#   make test-slow - the slow tests only (each expensive step once: tests/steps.py)
#   make lint      - ruff (configured in pyproject.toml)
#   make lock      - regenerate requirements.lock from requirements.txt (needs the package index)
# Students:
#   make lab [NOTEBOOK=exercises/01-convolution/01-convolution.ipynb]  - JupyterLab with the student's tools only
#   make validate NOTEBOOK=exercises/01-convolution/01-convolution.ipynb - run it as the grader will; failing tests
# Instructors:
#   make formgrader [PORT=8890]                    - nbgrader's formgrader, to grade written answers by hand
#   make release                                   - regenerate exercises/ from solutions/
#   make grade ASSIGNMENT=01-convolution SUBMISSIONS=path/to/submissions [GRADEBOOK=postgresql://...]
#                                                  [CANVAS_IDS="01-convolution=4711 ..."] [JOBS=2]
#                                                  [SCHEDULER=tcp://host:8786] [REGRADE=1]
#   make samples ASSIGNMENT=01-convolution         - sample submissions in samples/ to try `make grade` on
#   make clean-grades [YES=1]                      - remove all grading results (asks unless YES=1)
#   make student-edition                           - dist/student-edition(.zip): what students get (keep this repo private)
# Data and speed:
#   make data          - download CIFAR-10 into data/ once (needs network; 163 MB)
#   make bench         - exercise 04's convolution vs PyTorch and the naive loops (CPU)
#   make bench-train   - training throughput: DataLoader recipe vs on-device pipeline (BENCH_ARGS=--quick on a CPU)
#   make bench-grade   - grading speed: 20 submissions of exercise 01, --jobs 1 and a 2-worker LocalCluster (minutes)
#   make mutants       - mutation testing of the hidden tests, exercises 01-05 (MUTANTS_ARGS="--exercise 01 --jobs 2")
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(abspath $(VENV))/bin
export PATH := $(BIN):$(PATH)
JOBS ?= 2

.PHONY: book test test-fast test-slow lint lock release grade samples clean-grades clean-book help data bench bench-train bench-grade \
	validate lab formgrader student-edition mutants
help:
	@awk '/^SHELL/ {exit} {print}' Makefile

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -m pip install --quiet -r requirements.lock
	@touch $@

lock: $(VENV)/.installed
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 requirements.txt -o requirements.lock

book: $(VENV)/.installed
	$(BIN)/jupyter-book build book --warningiserror --nitpick --keep-going
	@echo "The book: $(abspath book/_build/html/index.html)"

test: lint test-fast test-slow

test-fast: $(VENV)/.installed
	$(PY) -m pytest -n $(JOBS) -m "not slow" $(PYTEST_ARGS)

test-slow: $(VENV)/.installed
	$(PY) -m pytest -n $(JOBS) -m slow $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .

# Students: JupyterLab with nbgrader's student-facing parts only (jupyter/student), and validation.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
lab: $(VENV)/.installed
	JUPYTER_CONFIG_PATH=$(CURDIR)/jupyter/student $(BIN)/jupyter lab $(ALLOW_ROOT) $(NOTEBOOK)

validate: $(VENV)/.installed
	@test -n "$(NOTEBOOK)" || { echo "usage: make validate NOTEBOOK=exercises/01-convolution/01-convolution.ipynb"; exit 2; }
	@$(PY) autograder/validate.py $(NOTEBOOK)

# Instructors: the formgrader, started in autograder/ (where nbgrader_config.py is), on 127.0.0.1.
formgrader: $(VENV)/.installed
	$(PY) autograder/formgrader.py $(if $(PORT),--port $(PORT))

# What an instructor publishes as the students' repository: book, exercises, helper package (autograder/edition.py).
student-edition: book
	$(PY) autograder/edition.py $(EDITION)

release: $(VENV)/.installed
	$(PY) autograder/course.py release $(ASSIGNMENTS)

grade: $(VENV)/.installed
	@test -n "$(ASSIGNMENT)" -a -n "$(SUBMISSIONS)" || { echo "usage: make grade ASSIGNMENT=01-convolution SUBMISSIONS=folder"; exit 2; }
	$(PY) autograder/course.py grade $(ASSIGNMENT) $(SUBMISSIONS) --jobs $(JOBS) $(foreach id,$(CANVAS_IDS),--canvas-id $(id)) \
		$(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(filter 1,$(REGRADE)),--regrade)

SAMPLES ?= samples
samples: $(VENV)/.installed
	@test -n "$(ASSIGNMENT)" || { echo "usage: make samples ASSIGNMENT=01-convolution [SAMPLES=folder]"; exit 2; }
	$(PY) autograder/samples.py $(ASSIGNMENT) $(SAMPLES)

bench: $(VENV)/.installed
	$(PY) benchmarks/conv_speed.py $(BENCH_ARGS)

bench-grade: $(VENV)/.installed
	$(PY) benchmarks/grade_speed.py $(BENCH_ARGS)

# Survivors are missing tests or equivalent programs (tests/mutants_equivalent.txt); report in benchmarks/results/
mutants: $(VENV)/.installed
	$(PY) benchmarks/mutants.py $(MUTANTS_ARGS)

# Everything grading wrote, so that a trial run (make samples) does not mix with a real class.
GRADES_FILES := autograder/submitted autograder/autograded autograder/feedback autograder/reports \
	autograder/gradebook.db autograder/grades.csv autograder/grades-canvas.csv autograder/grades-by-student.csv \
	autograder/ledger
# A gradebook on a database server (GRADEBOOK=postgresql://...) is not removed: drop its database there.
clean-grades:
	@if [ "$(YES)" != 1 ]; then \
		read -r -p "Remove $(GRADES_FILES)? [y/N] " answer || answer=; \
		case "$$answer" in y|Y|yes) ;; *) echo "nothing removed"; exit 1;; esac; \
	fi
	rm -rf $(GRADES_FILES)
	@if [ -n "$$GRADEBOOK" ]; then echo "note: the gradebook at GRADEBOOK is kept: drop that database to start afresh"; fi

clean-book:
	rm -rf book/_build

DATA ?= data
data: $(VENV)/.installed
	$(PY) -m cnncourse.cifar download $(DATA)

bench-train: $(VENV)/.installed
	$(PY) benchmarks/train_speed.py --data-root $(DATA) $(BENCH_ARGS)
