# Set-up contract: `make run` serves the app offline, `make test` runs the whole suite; both install
# what is missing first. Everything lives in .venv/ inside the checkout.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: setup run test lint typecheck bench clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt requirements-nodeps.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -r requirements-nodeps.txt
	touch $(STAMP)

run: setup
	HF_HUB_OFFLINE=1 $(BIN)/streamlit run streamlit_app.py --server.headless true --server.port $(PORT) --browser.gatherUsageStats false

test: setup
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q; status=$$?; if [ $$status -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$status

lint: setup
	$(BIN)/ruff check interviewer app_pages tests bench streamlit_app.py
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/speed.py
	$(BIN)/python bench/score_agreement.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
