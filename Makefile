# kamer-kb: `make serve` builds and serves the knowledge base; `make test` runs the tests.
# Only Python 3.11 and pip are needed; everything else is installed into .venv.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8001

.PHONY: install serve test bench build clean help kb.db browser score

help:
	@echo "make serve   create .venv, install, build kb.db from corpus/ if needed, serve on 127.0.0.1:$(PORT)"
	@echo "make test    run the test suite"
	@echo "make kb.db   (re)build the knowledge base incrementally"
	@echo "make bench   run the benchmarks (not part of the tests)"
	@echo "make score   score extraction of corpus/ against ../shared/gold/dev"

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[serve,test]"
	touch $(STAMP)

# Incremental: unchanged files are skipped, a changed pipeline re-extracts all.
kb.db: $(STAMP)
	$(BIN)/kb build --corpus corpus --db kb.db --quiet

build: kb.db

serve: kb.db
	$(BIN)/kb serve --db kb.db --port $(PORT)

# The browser tests need Debian's chromium; install it when we may (root, apt),
# otherwise those tests skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
	  && (apt-get install -y -q chromium >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 \
	      && apt-get install -y -q chromium >/dev/null 2>&1)); } \
	  || echo "chromium not available: browser tests will be skipped"

test: $(STAMP) browser
	$(BIN)/python -m pytest

# Extraction scored against the gold answers of the seed documents (needs ../shared).
SHARED ?= ../shared
score: $(STAMP)
	@mkdir -p artifacts
	$(BIN)/kb extract corpus/* > artifacts/dev-pred.json
	$(BIN)/python $(SHARED)/eval/score.py --gold $(SHARED)/gold/dev --pred artifacts/dev-pred.json

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) kb.db kb.db-wal kb.db-shm .pytest_cache
