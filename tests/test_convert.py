"""convert.py: converters are loaded once per process, ahead of use when asked (`prewarm`)."""

from __future__ import annotations

import os

import pytest

from builder import convert


@pytest.fixture()
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(convert, "_converters", {})
    monkeypatch.setattr(convert, "_warming", [])


def test_prewarmed_converter_is_the_one_used(fresh: None) -> None:
    convert.prewarm(["s2twp", "", "s2twp"])
    conv = convert.opencc_converter("s2twp")  # waits for the thread
    assert not convert._warming
    assert conv is convert.opencc_converter("s2twp")
    assert conv.convert("软件") == "軟體"


def test_a_bad_config_fails_where_it_is_used(fresh: None) -> None:
    convert.prewarm(["no-such-config"])
    with pytest.raises(Exception):  # noqa: B017 - OpenCC's own error, with the file it missed
        convert.opencc_converter("no-such-config")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_a_fork_waits_for_the_thread_and_the_child_converts(fresh: None) -> None:
    convert.prewarm(["s2tw"])
    pid = os.fork()
    if pid == 0:  # the child: the converter is inherited, loaded; no thread to wait for
        ok = False
        try:
            ok = not convert._warming and "s2tw" in convert._converters
            ok = ok and convert.opencc_converter("s2tw").convert("软件") == "軟件"
        finally:
            os._exit(0 if ok else 1)
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
