"""Known OpenCC slips (tests/opencc_slips.tsv): each edition reads the expected text, in a built
page as well; what OpenCC alone gives is recorded, so an OpenCC upgrade that changes it fails here
instead of changing a published site unnoticed."""

from __future__ import annotations

import subprocess
from pathlib import Path
from urllib.parse import quote

import opencc
import pytest

from builder.config import DEFAULT_EDITIONS
from builder.model.documents import GlossaryEntry
from builder.pipeline.build import build
from builder.text import scriptchars
from builder.text.convert import make_converter
from builder.text.opencc import opencc_converter
from conftest import write_site

ROWS = [line.split("\t") for line in (Path(__file__).parent / "opencc_slips.tsv").read_text(
    encoding="utf-8").splitlines() if line and not line.startswith("#")][1:]
CN, TW = DEFAULT_EDITIONS


def _opencc(configs: str, text: str) -> str:
    for config in configs.split("+"):
        text = opencc_converter(config).convert(text)
    return text


@pytest.mark.parametrize(("lang", "source", "cn", "tw", "raw", "note"), ROWS, ids=[r[1] for r in ROWS])
def test_slip(lang: str, source: str, cn: str, tw: str, raw: str, note: str) -> None:
    assert make_converter(lang, CN)(source) == cn, note
    assert make_converter(lang, TW)(source) == tw, note
    config, _, before = raw.partition("=")
    assert _opencc(config, source) == before, f"OpenCC's own {config} changed for {source!r}: review this row"


def test_rows_cover_the_issue() -> None:
    sources = {r[1] for r in ROWS}
    assert {"珍贵价值", "阿里云为新用户", "而云上 K8s", "被发明", "恒生指數急跌"} <= sources
    assert len(ROWS) >= 30


def test_glossary_pins_win_over_built_in_fixes() -> None:
    pin = (GlossaryEntry(forms=(("zh-cn", "阿里"), ("zh-tw", "阿里"))),
           GlossaryEntry(forms=(("zh-cn", "被发"), ("zh-tw", "被髮"))))
    conv = make_converter("zh-CN", TW, pin)
    assert conv("被发明") == "被髮明"  # the site pinned OpenCC's reading
    assert conv("阿里云") == "阿里雲"  # 阿里 pinned; 云 alone is 雲


def test_batches_give_what_one_by_one_gives() -> None:
    for lang in ("zh-CN", "zh-HK", "zh-TW"):
        for ed in (CN, TW):
            conv = make_converter(lang, ed)
            texts = [r[1] for r in ROWS] + ["", "x", "阿里云"]
            many = getattr(conv, "many", None)
            if many is not None:
                assert many(texts) == [conv(t) for t in texts]


def test_built_pages(tmp_path: Path) -> None:
    """Text is fixed; code, URLs and attributes are not."""
    cn_body = "\n\n".join(r[1] for r in ROWS if r[0] == "zh-CN")
    hk_body = "\n\n".join(r[1] for r in ROWS if r[0] == "zh-HK")
    site = write_site(tmp_path / "site", {
        "content/posts/cn.md": '---\ntitle: "珍贵价值"\ndate: "2025-01-01"\n---\n\n' + cn_body
        + "\n\n`被发明 珍贵价值` [被发明](https://e.org/被发明 \"珍贵价值\")\n\n原样：-{珍贵价值}-\n",
        "content/posts/hk.md": '---\ntitle: "恒生指數"\nlang: zh-HK\ndate: "2025-01-02"\n---\n\n' + hk_body
        + "\n\n`北港島綫`\n",
    })
    build(site, tmp_path / "out")
    cn = (tmp_path / "out/zh-tw/posts/cn/index.html").read_text(encoding="utf-8")
    hk = (tmp_path / "out/zh-tw/posts/hk/index.html").read_text(encoding="utf-8")
    for lang, _source, _cn, tw, _raw, _note in ROWS:
        if lang in ("zh-CN", "zh-HK"):
            assert tw in (cn if lang == "zh-CN" else hk), tw
    url = "https://e.org/" + quote("被发明")  # the link's address as written (percent-encoded)
    assert "<code>被发明 珍贵价值</code>" in cn and f'href="{url}"' in cn and 'title="珍貴價值"' in cn
    assert "原樣：珍贵价值" in cn  # -{…}- keeps its text as written
    assert "<code>北港島綫</code>" in hk and "恆生指數" in hk
    root = (tmp_path / "out/posts/hk/index.html").read_text(encoding="utf-8")
    assert "恒生指数" in root and "佢哋喺度食咗啲嘢" in root


def _dump(name: str, tmp: Path) -> list[tuple[str, list[str]]]:
    clib = Path(opencc.__file__).parent / "clib"
    out = tmp / f"{name}.txt"
    subprocess.run([str(clib / "bin/opencc_dict"), "-i", str(clib / f"share/opencc/{name}.ocd2"), "-o", str(out),
                    "-f", "ocd2", "-t", "text"], check=True, capture_output=True)
    rows = [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines() if "\t" in line]
    return [(k, v.split(" ")) for k, v in rows]


@pytest.mark.skipif(not (Path(opencc.__file__).parent / "clib/bin/opencc_dict").is_file(),
                    reason="this OpenCC build ships no opencc_dict tool to read its dictionaries with")
def test_both_script_tables_match_the_installed_opencc(tmp_path: Path) -> None:
    for name, table in (("STCharacters", scriptchars.ST_DUAL), ("TSCharacters", scriptchars.TS_DUAL)):
        dual = {k for k, v in _dump(name, tmp_path) if k in v and len(k) == 1 and ord(k) < 0x10000}
        assert dual == set(table), (name, sorted(dual ^ set(table))[:20])
