from pathlib import Path

import pytest

from builder.config import KEYS, load_config
from builder.errors import BuildFailed


def test_title_and_base_url_alone_are_a_valid_site(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("title: 站\nbase_url: https://e.org/sub\n", encoding="utf-8")
    c = load_config(tmp_path)
    assert c.base_url == "https://e.org/sub/"
    assert [e.code for e in c.editions] == ["zh-CN", "zh-TW"]
    assert c.editions[1].prefix == "zh-tw" and c.editions[1].opencc == "s2twp"
    assert c.timezone == "Asia/Shanghai" and c.paginate == 10


def test_unknown_key_is_located_with_did_you_mean(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("title: x\nbase_url: https://e.org/\npaginte: 5\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as exc:
        load_config(tmp_path)
    msg = str(exc.value)
    assert "site.yaml:3:" in msg and "did you mean 'paginate'" in msg


def test_wrong_types_and_unknown_widget_all_reported(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(
        "title: x\npaginate: many\nwidgets: [search, resent]\ntimezone: Mars/Base\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as exc:
        load_config(tmp_path)
    msg = str(exc.value)
    assert "site.yaml:2:" in msg and "paginate" in msg
    assert "site.yaml:3:" in msg and "unknown widget 'resent'" in msg and "did you mean 'recent'" in msg
    assert "known widgets: search, recent" in msg
    assert "site.yaml:4:" in msg and "Mars/Base" in msg


def test_every_key_is_documented() -> None:
    for key, (doc, _default) in KEYS.items():
        assert len(doc) > 15, key


def test_glossary_forms(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text("title: x\nglossary:\n  - 1688\n  - {zh-cn: 平台, zh-tw: 平台}\n",
                                        encoding="utf-8")
    c = load_config(tmp_path)
    assert c.glossary[0].form("zh-tw") == "1688"
    assert c.glossary[1].form("zh-tw") == "平台"
