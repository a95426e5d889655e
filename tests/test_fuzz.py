"""Property-based: odd front matter and Markdown (CR, bidi controls, NUL, invalid bytes, quotes,
backslashes, HTML fragments, javascript: links) either build or fail with located errors — never a
traceback — and never produce a live script. Also: the 60 real scraped articles build."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliab_util import LOCATED, SITE_YAML, all_live_scripts, build, make_site

from builder.cli import main
from conftest import NO_REAL_CORPUS, REAL_CORPUS

EXAMPLES = 150
ODD = ["\r", "\r\n", "\u202e", "\u2066", "\x00", "\\", '"', "'", "\\\"", "<script>alert(1)</script>",
       "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))", "<javascript:alert(1)>", "jav&#x61;script:",
       "</script>", "-{", "}-", "---", "+++", "\t", ": ", "- ", "#", "*", "`", "&amp;", "\ufeff", "\u2028",
       "![i](data:image/png;base64,AA==)", "<!--more-->", "{{ x }}", "{% raw %}", "软件", "軟體", "%2e%2e%2f", "../"]
text = st.lists(st.one_of(st.sampled_from(ODD), st.text(max_size=8)), max_size=12).map("".join)
KEYS = ["title", "date", "slug", "url", "tags", "categories", "summary", "thumbnail", "lead", "aliases", "draft",
        "weight", "widgets", "sidebar", "lang", "toc", "menu", "glossary"]
value = st.one_of(text, st.lists(text, max_size=3), st.integers(), st.booleans(), st.none(),
                  st.sampled_from(["2025-02-30", "2025-02-11 18:56:06", "javascript:alert(1)", "[a, b", "{a: 1}"]))
counter = {"n": 0}


def _fm(data: dict[str, object], raw_yaml: bool) -> str:
    if raw_yaml:  # hand-written YAML lines, possibly broken
        return "".join(f"{k}: {v}\n" for k, v in data.items())
    return "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in data.items())


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(fm=st.dictionaries(st.sampled_from(KEYS), value, max_size=8), raw=st.booleans(), body=text,
       extra=st.binary(max_size=6), unsafe=st.booleans())
def test_fuzz_build_is_located_or_ok_and_safe(tmp_path_factory, fm, raw, body, extra, unsafe):
    counter["n"] += 1
    tmp = tmp_path_factory.mktemp("fz")
    data = ("---\n" + _fm(fm, raw) + "---\n" + body + "\n").encode("utf-8", "surrogatepass") + extra
    site = make_site(tmp / "site", {"content/posts/a.md": data, "content/posts/b.md": "---\ntitle: B\n---\nok\n"},
                     SITE_YAML + ("unsafe_html: true\n" if unsafe else ""))
    import contextlib
    import io
    buf = io.StringIO()
    with contextlib.redirect_stderr(buf), contextlib.redirect_stdout(io.StringIO()):
        rc = main(["build", str(site), "--out", str(tmp / "out"), "-q"])
    err = buf.getvalue()
    assert "Traceback" not in err and "internal error" not in err, err
    if rc:
        assert rc == 1
        lines = err.splitlines()
        assert lines[-1].startswith("tongwen: ")
        for ln in lines[:-1]:
            assert re.match(LOCATED, ln), ln
    else:
        assert all_live_scripts(tmp / "out") == []
    shutil.rmtree(tmp, ignore_errors=True)


def test_fuzz_example_count():
    assert counter["n"] >= EXAMPLES * 0.9 or counter["n"] == 0, counter


REAL = REAL_CORPUS


@pytest.mark.skipif(not REAL.is_dir(), reason=NO_REAL_CORPUS)
def test_real_corpus_builds(capsys, tmp_path):
    files = {f"content/posts/{p.name}": p.read_bytes() for p in sorted(REAL.glob("*.md")) if p.name != "SOURCES.md"}
    assert len(files) == 60
    site = make_site(tmp_path / "site", files)
    out = tmp_path / "out"
    rc, _o, err = build(capsys, site, out)
    assert rc == 0, err
    assert all_live_scripts(out) == []
    assert len(list(out.glob("posts/*/index.html"))) == 60
