"""Site values: `params` read by templates as `site.params`, UI strings per edition (`strings:` and
`i18n/<edition>.yaml`), English strings for an English edition (sitevalues.py, render/strings.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from builder.errors import BuildFailed
from builder.pipeline.build import build
from builder.render.strings import I18N, read_strings
from conftest import make_and_build, read, write_site

ARTICLE = {"content/posts/a.md": '---\ntitle: "文章"\ndate: 2025-01-02\n---\n\n正文。\n'}
FOOTER = ('<footer class="site-footer"><p class="icp">{{ site.params.icp }}</p>'
          '<p class="n">{{ site.params.links | length }} {{ site.params.links[0].name }}</p></footer>\n')
PARAMS_YAML = """\
title: 测试站
params:
  icp: 京ICP备12345678号
  links:
    - {name: 软件, url: https://example.org/}
"""


def test_params_reach_templates_converted_per_edition(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {**ARTICLE, "site.yaml": PARAMS_YAML, "templates/partials/footer.html": FOOTER})
    assert '<p class="icp">京ICP备12345678号</p>' in read(out, "posts/a/index.html")
    assert '<p class="n">1 软件</p>' in read(out, "index.html")
    assert '<p class="icp">京ICP備12345678號</p>' in read(out, "zh-tw/posts/a/index.html")
    assert '<p class="n">1 軟體</p>' in read(out, "zh-tw/index.html")


def test_unknown_keys_outside_params_are_still_errors(tmp_path: Path) -> None:
    with pytest.raises(BuildFailed) as e:
        make_and_build(tmp_path, {**ARTICLE, "site.yaml": "title: t\nparam:\n  icp: x\n"})
    assert "site.yaml:2: unknown key 'param' (did you mean 'params'?)" in str(e.value)


@pytest.mark.parametrize(("yaml", "message"), [
    ("params: [1, 2]\n", "params must be a mapping"),
    ("params:\n  1a: x\n", "'1a' is not a name templates can read"),
])
def test_params_mistakes(tmp_path: Path, yaml: str, message: str) -> None:
    with pytest.raises(BuildFailed) as e:
        make_and_build(tmp_path, {**ARTICLE, "site.yaml": "title: t\n" + yaml})
    assert message in str(e.value)


def test_params_edit_rebuilds_the_pages_that_show_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """site.yaml is in the global signature: an edited value reaches every page of an incremental
    build (verify mode compares it with a clean build)."""
    monkeypatch.setenv("TONGWEN_VERIFY", "1")
    site = write_site(tmp_path / "site", {**ARTICLE, "site.yaml": PARAMS_YAML,
                                          "templates/partials/footer.html": FOOTER})
    build(site, tmp_path / "out")
    (site / "site.yaml").write_text(PARAMS_YAML.replace("12345678", "87654321"), encoding="utf-8")
    build(site, tmp_path / "out")
    assert "京ICP備87654321號" in read(tmp_path / "out", "zh-tw/posts/a/index.html")


def test_strings_in_site_yaml_and_i18n_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONGWEN_VERIFY", "1")
    site = write_site(tmp_path / "site", {
        **ARTICLE,
        "site.yaml": "title: t\nstrings:\n  zh-tw: {home: 回首頁}\n",
        "i18n/zh-CN.yaml": "home: 回到首页\nhello: 你好\n",
        "i18n/zh-tw.yaml": "hello: 您好\n",
        "templates/base.html": '{% extends "theme/base.html" %}{% block before_content %}'
                               '<p class="hi">{{ strings.hello }}</p>{% endblock %}',
    })
    out = tmp_path / "out"
    build(site, out)
    cn, tw = read(out, "posts/a/index.html"), read(out, "zh-tw/posts/a/index.html")
    assert ">回到首页</a>" in cn and ">回首頁</a>" in tw
    assert '<p class="hi">你好</p>' in cn and '<p class="hi">您好</p>' in tw
    assert ">分类</a>" in cn and ">分類</a>" in tw  # the theme's other strings stay
    # an edited strings file re-renders every page (i18n/ is in the global signature)
    (site / "i18n" / "zh-tw.yaml").write_text("hello: 哈囉\n", encoding="utf-8")
    build(site, out)
    assert '<p class="hi">哈囉</p>' in read(out, "zh-tw/index.html")


def test_a_string_added_for_one_edition_only_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BuildFailed) as e:
        make_and_build(tmp_path, {**ARTICLE, "i18n/zh-CN.yaml": "hello: 你好\n"})
    assert "strings for zh-TW lack hello" in str(e.value)


def test_strings_mistakes(tmp_path: Path) -> None:
    with pytest.raises(BuildFailed) as e:
        make_and_build(tmp_path / "a", {**ARTICLE, "site.yaml": "title: t\nstrings:\n  zh-tv: {home: x}\n"})
    assert "unknown edition 'zh-tv' (did you mean 'zh-tw'?)" in str(e.value)
    with pytest.raises(BuildFailed) as e:
        make_and_build(tmp_path / "b", {**ARTICLE, "i18n/zh-CN.yaml": "home: [1]\n"})
    assert "i18n/zh-CN.yaml:1: home: expected a string" in str(e.value)


def test_an_english_edition_gets_english_strings(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {**ARTICLE, "site.yaml": """\
        title: t
        editions:
          - {code: zh-CN, name: 简体}
          - {code: en, name: English, prefix: en}
        """})
    en = read(out, "en/posts/a/index.html")
    assert '<html lang="en">' in en and ">Home</a>" in en and ">Skip to content</a>" in en
    assert ">首页</a>" in read(out, "posts/a/index.html")


def test_english_strings_have_the_themes_names_and_placeholders() -> None:
    hans, en = read_strings(I18N / "zh-Hans.yaml"), read_strings(I18N / "en.yaml")
    assert hans.keys() == en.keys()
    for key in hans:
        assert re.findall(r"\{\w+\}", hans[key]) == re.findall(r"\{\w+\}", en[key]), key
