#!/usr/bin/env bash
# Installs Tongwen into the project's own virtual environment, .venv/ (git-ignored), using the
# system's python3 (3.11 or newer). Nothing is installed into the system Python, so Debian's and
# Ubuntu's "externally-managed-environment" (PEP 668) never applies and pip never warns about root.
# When the venv module is missing (Debian/Ubuntu without python3-venv), it is installed with apt-get
# (with sudo when not root).
#
#   bash tools/install.sh           Tongwen itself: then .venv/bin/tongwen build, serve, new, check
#   bash tools/install.sh --test    also what the tests need: Debian's Chromium, CJK fonts, Java
#                                   (the Nu HTML Checker), Node.js/npm and tools/ (vnu-jar, axe-core),
#                                   and the test extras (pytest, Playwright's Python API, ruff, mypy)
#
# Every step says what it does and shows apt's, pip's and npm's own progress. Environment:
# PYTHON (default python3) picks the interpreter the venv is made from; VENV (default .venv).
set -euo pipefail
cd "$(dirname "$0")/.."

TEST=0
[ "${1:-}" = "--test" ] && TEST=1
PY="${PYTHON:-python3}"
VENV="${VENV:-.venv}"
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'tools/install.sh: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

APT_UPDATED=0
apt_install() {  # apt_install PKG...: the ones not installed yet, with apt's own output
  local need=() p
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
  done
  [ ${#need[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "apt-get is not available: install ${need[*]} with your system's package manager, then run this again"
  if [ -n "$SUDO" ] && ! command -v sudo >/dev/null 2>&1; then
    die "installing ${need[*]} needs root: run this as root, or install sudo"
  fi
  step "apt: installing ${need[*]}"
  if [ "$APT_UPDATED" -eq 0 ]; then
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update
    APT_UPDATED=1
  fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}"
}

# --- the interpreter ------------------------------------------------------------------------------
command -v "$PY" >/dev/null 2>&1 || die "$PY not found: install Python 3.11 or newer (Debian/Ubuntu: apt-get install python3)"
PYVER="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "$PY is Python $PYVER; Tongwen needs 3.11 or newer"

# --- the system packages the tests need -----------------------------------------------------------
if [ "$TEST" -eq 1 ]; then
  step "apt: checking chromium, fonts-wqy-microhei, default-jre-headless, nodejs/npm"
  if command -v apt-get >/dev/null 2>&1; then
    pkgs=(chromium fonts-wqy-microhei default-jre-headless)
    command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)  # for the HTML checker and axe-core
    apt_install "${pkgs[@]}"
    echo "apt: all installed"
  else
    echo "apt-get is not available: install Chromium (/usr/bin/chromium), a CJK font, Java and npm yourself;"
    echo "the tests that need them say so and are skipped"
  fi
fi

# --- the virtual environment ----------------------------------------------------------------------
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
    && "$VENV/bin/python" -m pip --version >/dev/null 2>&1; then
  step "venv: using $VENV ($("$VENV/bin/python" --version))"
else
  rm -rf "$VENV"
  step "venv: creating $VENV with $PY (Python $PYVER)"
  err="$(mktemp)"
  if ! "$PY" -m venv "$VENV" 2>"$err"; then
    cat "$err" >&2
    rm -rf "$VENV" "$err"
    # Debian and Ubuntu ship venv's pip bootstrap (ensurepip) separately
    command -v apt-get >/dev/null 2>&1 || die "$PY cannot create a virtual environment; install its venv module"
    apt_install python3-venv "python$PYVER-venv"
    step "venv: creating $VENV with $PY (Python $PYVER)"
    "$PY" -m venv "$VENV" || die "$PY still cannot create a virtual environment"
  fi
  rm -f "$err"
fi

# --- the package ----------------------------------------------------------------------------------
spec="."
[ "$TEST" -eq 1 ] && spec=".[test]"
stamp="$VENV/.tongwen-installed"
sum="$(cksum < pyproject.toml)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [ -x "$VENV/bin/tongwen" ] && { [ "$have" = "$spec $sum" ] || [ "$have" = ".[test] $sum" ]; }; then
  step "pip: $VENV already has tongwen ($spec) for this pyproject.toml"
else
  step "pip: installing tongwen ($spec, editable) and its dependencies into $VENV"
  "$VENV/bin/python" -m pip install -e "$spec"
  echo "$spec $sum" > "$stamp"
fi

# --- the tests' JavaScript tools ------------------------------------------------------------------
if [ "$TEST" -eq 1 ]; then
  if [ -f tools/package.json ] && command -v npm >/dev/null 2>&1; then
    step "npm: installing tools/ (vnu-jar, axe-core) from tools/package-lock.json"
    (cd tools && npm ci --no-audit --no-fund)
  else
    step "npm: not available; the HTML-checker and accessibility tests will be skipped"
  fi
fi
step "ready: $VENV/bin/tongwen (or: . $VENV/bin/activate, then tongwen)"
