# hankekg: `make kg` builds the graph into dist/, `make test` runs the tests.
# Both first set up everything the project needs: Debian packages (only those missing,
# with apt-get) and a virtual environment in .venv with the package and its tools.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEBS   := libvoikko1 voikko-fi raptor2-utils chromium tesseract-ocr tesseract-ocr-fin
DIST   ?= dist

.PHONY: kg test bench bench-100k debs clean help

help:
	@echo "make kg     set everything up and build the graph from data/ into $(DIST)/"
	@echo "make test   set everything up and run the test suite"
	@echo "make bench  run the benchmarks in bench/ for N = 1,000 and 10,000 (writes bench/results.md; an hour)"
	@echo "make bench-100k  add N = 100,000 to bench/results.md (after make bench; half an hour)"
	@echo "make clean  remove $(DIST)/ and the virtual environment"

kg: $(STAMP)
	$(BIN)/hankekg build data --out $(DIST)

test: $(STAMP)
	$(BIN)/python -m pytest

# The benchmarks (bench/results.md): N = 1,000 and 10,000 (about an hour, most of it the
# naive pipeline); bench-100k adds N = 100,000 (about half an hour) and rewrites
# bench/results.md with all three.
bench: $(STAMP)
	$(BIN)/python bench/repair.py
	$(BIN)/python bench/run.py --n 1000 10000

bench-100k: $(STAMP)
	$(BIN)/python bench/run.py --n 100000 --jobs command store floor --repeat 3 --workers 2
	$(BIN)/python bench/run.py --report-only --n 1000 10000 100000

# Debian packages: apt-get runs only when one is missing, and says so when it needs root.
debs:
	@missing=""; for p in $(DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" -ne 0 ]; then \
	    echo "hankekg needs the Debian packages:$$missing"; \
	    echo "installing them needs root: run  sudo apt-get install -y$$missing  then make again"; \
	    exit 1; \
	  fi; \
	  echo "installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml | debs
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "hankekg needs Python 3.11 or newer ($(PYTHON) is $$($(PYTHON) --version))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

clean:
	rm -rf $(DIST) $(VENV)
