"""The README's two commands, run as a new user runs them (issue 20), CI-style: a fresh clone of this
repository (with any uncommitted changes to tracked files applied), `env -i` with only HOME and a
system PATH, so `python3` is the system's (/usr/bin/python3 on Debian and Ubuntu, where pip outside
a virtual environment stops with "externally-managed-environment"), CI=true and no stdin.

1. the first command installs into .venv/, builds the demo and serves it: the preview answers;
2. the second installs what the tests need and runs pytest (here on one test file: the whole suite
   is what the rest of this suite is), showing apt, pip, npm and pytest steps in that order; with a
   failing test it exits non-zero.

Neither prints pip's warning about running as root. It needs apt-get (the commands install system
packages with it; as root or with password-less sudo) and git (for the clone); elsewhere it is skipped.
Slow: a fresh virtual environment and its packages (about a minute and a half).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _why_not() -> str | None:
    if shutil.which("apt-get", path=SYSTEM_PATH) is None:
        return "apt-get is not available: the README's commands install system packages with it (Debian, Ubuntu)"
    if os.geteuid() != 0 and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode != 0:
        return "installing system packages needs root or password-less sudo (sudo -n true failed)"
    if shutil.which("git") is None or not (REPO / ".git").exists():
        return "needs git and a git checkout of Tongwen (the test makes a fresh clone)"
    if shutil.which("python3", path=SYSTEM_PATH) is None:
        return "no python3 on the system PATH"
    return None


pytestmark = pytest.mark.skipif(_why_not() is not None, reason=_why_not() or "")


def _readme_commands() -> list[str]:
    """The README's first two ```sh blocks, which must come before anything else but the intro."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)\n```", text, re.S)
    assert len(blocks) >= 2
    first = text.index("```sh")
    assert "\n## " not in text[:first], "the README starts with its two commands"
    return [blocks[0].strip(), blocks[1].strip()]


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("setup") / "tongwen"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(dest)], check=True)
    diff = subprocess.run(["git", "-C", str(REPO), "diff", "HEAD", "--binary"], check=True,
                          capture_output=True).stdout
    if diff:  # a developer's uncommitted changes to tracked files (what is being tested)
        subprocess.run(["git", "-C", str(dest), "apply", "--whitespace=nowarn", "-"], input=diff, check=True)
    return dest


def _env(**extra: str) -> dict[str, str]:
    env = {"HOME": os.environ.get("HOME", "/root"), "PATH": SYSTEM_PATH}
    env.update(extra)
    return env


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _common_output_checks(out: str) -> None:
    assert "externally-managed-environment" not in out, out[-3000:]
    assert "Running pip as the 'root' user" not in out and "running pip as the 'root' user" not in out.lower()
    assert "Traceback" not in out, out[-3000:]


def test_readme_install_build_and_serve(clone: Path) -> None:
    cmd = _readme_commands()[0]
    assert "tongwen serve" in cmd and "pip install" not in cmd  # pip only ever runs inside .venv
    port = 1313
    if not _port_free(port):  # another preview is running on this machine: use another port
        port = _free_port()
        cmd = cmd.replace("tongwen serve", f"tongwen serve --port {port}")
    proc = subprocess.Popen(["bash", "-c", cmd], cwd=clone, env=_env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    home = ""
    try:
        end = time.monotonic() + 900
        while time.monotonic() < end and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    home = r.read().decode("utf-8")
                break
            except OSError:
                time.sleep(1)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        reader.join(timeout=10)
    out = "".join(lines)
    assert "同文知识库" in home, out[-3000:]
    _common_output_checks(out)
    assert "==> venv: creating .venv" in out and "tongwen: built" in out
    assert (clone / "public/index.html").is_file()
    base = subprocess.run([str(clone / ".venv/bin/python"), "-c", "import sys; print(sys.base_prefix)"],
                          capture_output=True, text=True, check=True).stdout.strip()
    system = subprocess.run(["python3", "-c", "import sys; print(sys.base_prefix)"], env=_env(),
                            capture_output=True, text=True, check=True).stdout.strip()
    assert base == system  # the venv is made from the system's python3


def test_readme_test_command(clone: Path) -> None:
    cmd = _readme_commands()[1]
    assert cmd == "bash tools/test.sh"
    env = _env(CI="true")
    run = subprocess.run(["bash", "-c", cmd + " tests/test_new.py"], cwd=clone, env=env, stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=1200)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-4000:]
    _common_output_checks(out)
    steps = [m.group(1) for m in re.finditer(r"^==> (apt|pip|npm|pytest)\b", out, re.M)]
    firsts = [s for i, s in enumerate(steps) if s not in steps[:i]]
    assert firsts == ["apt", "pip", "npm", "pytest"], steps
    assert re.search(r"tests/test_new\.py \.+ +\[\d+/\d+\]", out)  # pytest's running count
    assert re.search(r"\d+ passed", out)
    for tool in ("playwright", "pytest", "ruff", "mypy"):
        assert (clone / ".venv/bin" / tool).exists(), tool
    assert (clone / "tools/node_modules/axe-core").is_dir()
    # a failing test: the command (and .ci/run, which runs it under `set -e`) exits non-zero
    (clone / "tests/test_zz_fails.py").write_text("def test_fails() -> None:\n    assert 1 == 2\n", encoding="utf-8")
    run = subprocess.run(["bash", "-c", cmd + " tests/test_zz_fails.py"], cwd=clone, env=env,
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
    assert run.returncode != 0 and "1 failed" in run.stdout, run.stdout[-2000:]
