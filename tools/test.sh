#!/usr/bin/env bash
# Installs everything the tests need into the project's virtual environment .venv/ and the system
# (Debian's Chromium and CJK fonts, Java, Node.js/npm: tools/install.sh --test), then runs the whole
# suite with the venv's Python, file by file with a running count. The README's test command and
# .ci/run both run this file; arguments go to pytest (e.g. `bash tools/test.sh tests/test_new.py`).
# The exit code is pytest's: non-zero when a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install.sh --test
printf '\n==> pytest: running the tests with %s\n' "$("${VENV:-.venv}/bin/python" --version)"
exec "${VENV:-.venv}/bin/python" -m pytest -p no:cacheprovider -o console_output_style=count "$@"
