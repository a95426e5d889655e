"""Every problem in content, site.yaml or templates is reported as `path:line[:col]: message`, all
errors of a stage in one run, exit code 1, never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from reliab_util import LOCATED, SITE_YAML, article, build, make_site


def _errors(err: str) -> list[str]:
    lines = [ln for ln in err.splitlines() if ln and not ln.startswith("tongwen:")]
    for ln in lines:
        assert re.match(LOCATED, ln), f"not located: {ln!r}"
    assert "Traceback" not in err
    return lines


def _fail(capsys: pytest.CaptureFixture[str], tmp_path: Path, files: dict[str, str | bytes],
          site_yaml: str = SITE_YAML) -> list[str]:
    site = make_site(tmp_path / "site", files, site_yaml)
    rc, _out, err = build(capsys, site, tmp_path / "out")
    assert rc == 1, err
    assert not (tmp_path / "out").exists(), "nothing may be published on error"
    return _errors(err)


def test_yaml_syntax_error_has_line_and_column(capsys, tmp_path):
    errs = _fail(capsys, tmp_path, {"content/posts/a.md": "---\ntitle: ok\ntags: [a, b\ndate: 2025-01-01\n---\nx\n"})
    assert len(errs) == 1
    # located where the '[' opens (the author's mistake), naming where the parser gave up
    assert re.match(r"content/posts/a\.md:3:7: YAML syntax error: the '\[' opened here is never closed "
                    r"\(the parser gave up at line 4", errs[0]), errs


def test_unclosed_quote_reports_where_it_opens(capsys, tmp_path):
    errs = _fail(capsys, tmp_path, {"content/posts/a.md": '---\ntitle: "未闭合\ndate: 2025-01-01\nx: 1\n---\nx\n'})
    assert len(errs) == 1
    assert errs[0].startswith("content/posts/a.md:2:8: YAML syntax error: the quote opened here is never closed "
                              "(the parser gave up at the end of the front matter"), errs


def test_unclosed_brace_in_site_yaml(capsys, tmp_path):
    errs = _fail(capsys, tmp_path, {"site.yaml": "title: t\nparams: {a: 1\nbase_url: https://example.org/\n",
                                    "content/posts/a.md": "---\ntitle: a\n---\nx\n"})
    assert errs[0].startswith("site.yaml:2:9: YAML syntax error: the '{' opened here is never closed "
                              "(the parser gave up at line 3"), errs


def test_wrong_types_are_located_at_their_key(capsys, tmp_path):
    text = "---\ntitle: ok\ntags: {a: 1}\ndraft: maybe\nweight: heavy\nthumbnail: [1]\nsidebar: middle\n---\nx\n"
    errs = _fail(capsys, tmp_path, {"content/posts/a.md": text})
    joined = "\n".join(errs)
    assert "content/posts/a.md:3: 'tags' must be a list" in joined
    assert "content/posts/a.md:4: 'draft' must be true or false" in joined
    assert "content/posts/a.md:5: 'weight' must be a whole number" in joined
    assert "content/posts/a.md:6: thumbnail" in joined
    assert "content/posts/a.md:7: sidebar must be" in joined


@pytest.mark.parametrize("date", ["2025-02-30", "2025-13-01", "2025-02-11 25:00:00", "yesterday", "2025-02-11T10:61"])
def test_impossible_dates(capsys, tmp_path, date):
    errs = _fail(capsys, tmp_path, {"content/posts/a.md": f"---\ntitle: ok\ndate: \"{date}\"\n---\nx\n"})
    assert len(errs) == 1 and errs[0].startswith("content/posts/a.md:3: 'date'"), errs


def test_unquoted_impossible_date(capsys, tmp_path):
    errs = _fail(capsys, tmp_path, {"content/posts/a.md": "---\ntitle: ok\nlastmod: 2025-02-30\n---\nx\n"})
    assert errs[0].startswith("content/posts/a.md:3: 'lastmod'"), errs


def test_unknown_site_key_did_you_mean(capsys, tmp_path):
    errs = _fail(capsys, tmp_path, {}, SITE_YAML + "paginte: 5\nbogus_key: 1\n")
    assert "site.yaml:3: unknown key 'paginte' (did you mean 'paginate'?)" in errs
    assert any(e.startswith("site.yaml:4: unknown key 'bogus_key'") for e in errs)


def test_site_yaml_wrong_types_all_reported(capsys, tmp_path):
    errs = _fail(capsys, tmp_path, {}, SITE_YAML + "paginate: -1\nunsafe_html: yes please\ntimezone: Mars/Base\n")
    assert any(e.startswith("site.yaml:3: 'paginate'") for e in errs)
    assert any(e.startswith("site.yaml:4: 'unsafe_html'") for e in errs)
    assert any(e.startswith("site.yaml:5: unknown timezone") for e in errs)


def test_site_yaml_syntax_error(capsys, tmp_path):
    errs = _fail(capsys, tmp_path, {}, "title: [unclosed\nbase_url: x\n")
    assert re.match(r"site\.yaml:\d+:\d+: YAML syntax error", errs[0])


def test_site_yaml_not_utf8(capsys, tmp_path):
    site = make_site(tmp_path / "site", {})
    (site / "site.yaml").write_bytes(b"title: \xff\xfe\n")
    rc, _o, err = build(capsys, site, tmp_path / "out")
    assert rc == 1
    assert _errors(err)[0].startswith("site.yaml:1:")


def test_unknown_widget_lists_known(capsys, tmp_path):
    errs = _fail(capsys, tmp_path, {"content/posts/a.md": "---\ntitle: ok\nwidgets: [serch, recent]\n---\nx\n"})
    assert any(e.startswith("content/posts/a.md:3: unknown widget 'serch' (did you mean 'search'?); known widgets: "
                            "search, recent") for e in errs), errs
    errs = _fail(capsys, tmp_path / "2", {}, SITE_YAML + "widgets: [recnt]\n")
    assert any(e.startswith("site.yaml:3: unknown widget 'recnt'") and "known widgets:" in e for e in errs), errs


def test_duplicate_urls_name_every_source(capsys, tmp_path):
    files = {
        "content/posts/a.md": article("A", slug="same"),
        "content/posts/b.md": article("B", slug="same"),
        "content/posts/c.md": article("C", url="/posts/same/"),
        "content/posts/d.md": article("D", aliases="[posts/same/]"),
    }
    errs = _fail(capsys, tmp_path, files)
    joined = "\n".join(errs)
    for src in ("a", "b", "c"):
        line = [e for e in errs if e.startswith(f"content/posts/{src}.md:")]
        assert line, joined
        others = {"a", "b", "c", "d"} - {src}
        for o in others:
            assert f"content/posts/{o}.md" in line[0], line
    assert any(e.startswith("content/posts/d.md:4:") for e in errs), joined  # the alias, at its line


def test_reserved_output_files_cannot_be_claimed(capsys, tmp_path):
    files = {
        "content/posts/a.md": article("A", url="sitemap.xml"),
        "content/posts/b.md": article("B", aliases="[robots.txt, tags/x/, index.xml]"),
        "content/posts/c.md": article("C", tags="[x]"),
    }
    errs = _fail(capsys, tmp_path, files)
    assert any(e.startswith("content/posts/a.md:4:") and "reserved" in e for e in errs), errs
    assert sum(e.startswith("content/posts/b.md:4:") for e in errs) >= 3, errs


def test_undecodable_bytes_located(capsys, tmp_path):
    errs = _fail(capsys, tmp_path, {"content/posts/a.md": b"---\ntitle: ok\n---\nline 4\nbad \xff\xfe here\n"})
    assert errs == ["content/posts/a.md:5: not valid UTF-8 (byte 0xff); save the file as UTF-8"]


def test_unclosed_front_matter_and_non_mapping(capsys, tmp_path):
    errs = _fail(capsys, tmp_path, {"content/posts/a.md": "---\ntitle: x\nno end\n",
                                    "content/posts/b.md": "---\n- a\n- b\n---\nx\n",
                                    "content/posts/c.md": "+++\ntitle = \n+++\nx\n"})
    assert any(e.startswith("content/posts/a.md:1: front matter") for e in errs)
    assert any(e.startswith("content/posts/b.md:2: front matter must be a mapping") for e in errs)
    assert any(e.startswith("content/posts/c.md:2: TOML syntax error") for e in errs)


def test_all_errors_of_a_stage_in_one_run(capsys, tmp_path):
    files: dict[str, str | bytes] = {
        f"content/posts/p{i}.md": f"---\ntitle: p{i}\ndate: 2025-02-{30 if i % 2 else 10}\n---\nx\n" for i in range(6)}
    files["content/posts/bad.md"] = b"\xff"
    errs = _fail(capsys, tmp_path, files)
    assert len(errs) == 4, errs  # 3 impossible dates + 1 undecodable file


def test_python_tags_are_refused(capsys, tmp_path):
    errs = _fail(capsys, tmp_path, {"content/posts/a.md":
                                    "---\ntitle: !!python/object/apply:os.system ['touch pwned']\n---\nx\n"})
    assert re.match(r"content/posts/a\.md:2:\d+: YAML", errs[0]), errs
    assert not Path("pwned").exists()


def test_template_syntax_error_located(capsys, tmp_path):
    errs = _fail(capsys, tmp_path, {"content/posts/a.md": article(),
                                    "templates/article.html": "{% extends 'base.html' %}\n{% block main %}\n"
                                    "{% if %}\n{% endblock %}\n"})
    assert errs[0].startswith("templates/article.html:3: template syntax error"), errs


def test_template_runtime_error_located(capsys, tmp_path):
    errs = _fail(capsys, tmp_path, {"content/posts/a.md": article(),
                                    "templates/article.html": "{% extends 'base.html' %}\n{% block main %}\n\n"
                                    "{{ page.no_such_thing.upper() }}\n{% endblock %}\n"})
    assert errs[0].startswith("templates/article.html:4: template error"), errs


def test_template_runtime_division_error_located(capsys, tmp_path):
    errs = _fail(capsys, tmp_path, {"content/posts/a.md": article(),
                                    "templates/list.html": "{% extends 'base.html' %}\n{% block main %}\n"
                                    "{{ 1 // 0 }}\n{% endblock %}\n"})
    assert errs[0].startswith("templates/list.html:3: template error"), errs


def test_bad_topic_is_located(capsys, tmp_path):
    errs = _fail(capsys, tmp_path, {"content/topics/c/_index.md": "---\ntitle: C\n---\n",
                                    "content/topics/c/t.md": "---\ntitle: T\n---\nno aliases\n",
                                    "content/topics/d/t.md": "---\ntitle: T\naliases: [x]\n---\n"})
    assert any(e.startswith("content/topics/c/t.md:1: topic has no aliases") for e in errs)
    assert any(e.startswith("content/topics/d/t.md:1: topic's collection") for e in errs)


def test_debug_shows_traceback_only_on_internal_errors(capsys, tmp_path, monkeypatch):
    from builder.incremental import session as session_mod
    site = make_site(tmp_path / "site", {"content/posts/a.md": article()})

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise RuntimeError("kaboom")

    monkeypatch.setattr(session_mod, "derive", boom)
    rc, _o, err = build(capsys, site, tmp_path / "out")
    assert rc == 2 and "internal error: RuntimeError: kaboom" in err and "Traceback" not in err


def test_no_site_yaml(capsys, tmp_path):
    rc, _o, err = build(capsys, tmp_path, tmp_path / "out")
    assert rc == 1 and err.startswith("site.yaml: no site.yaml in ") and "Traceback" not in err
