#!/usr/bin/env bash
# Installs everything the tests need (Debian's Chromium and CJK fonts, the Python package with its
# test extras) and runs the whole suite. The README's test command and .ci/run both run this file.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if command -v apt-get >/dev/null 2>&1; then
  need=""
  for p in chromium fonts-wqy-microhei default-jre-headless; do
    dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
  done
  command -v npm >/dev/null 2>&1 || need="$need nodejs npm"  # for the HTML checker and axe-core
  if [ -n "$need" ]; then
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
  fi
fi
python3 -m pip install -q --disable-pip-version-check -e '.[test]'
if [ -f tools/package.json ] && command -v npm >/dev/null 2>&1; then
  (cd tools && npm ci --silent --no-audit --no-fund)
fi
exec python3 -m pytest -q -p no:cacheprovider "$@"
