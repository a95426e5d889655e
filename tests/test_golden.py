"""A small golden output tree of the demo site: the seed article, one topic and one collection in both
editions, the home page, a feed and the sitemap. Any change to these bytes must be deliberate:
regenerate with `TONGWEN_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py` and review the diff."""

import os
from pathlib import Path

import pytest

from builder.pipeline.build import build
from conftest import REPO

GOLDEN = Path(__file__).parent / "golden"
FILES = [
    "index.html",
    "posts/1688-growth-path/index.html",
    "zh-tw/posts/1688-growth-path/index.html",
    "topics/五大举措/index.html",
    "zh-tw/topics/五大举措/bao-shengyi/index.html",
    "topics/新生意赛道/chuhai/index.html",
    "zh-tw/index.xml",
    "sitemap.xml",
]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("golden") / "public"
    saved = os.environ.pop("SOURCE_DATE_EPOCH", None)  # the golden files use the newest content date
    try:
        build(REPO, out)
    finally:
        if saved is not None:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    return out


@pytest.mark.parametrize("rel", FILES)
def test_demo_output_matches_golden(built: Path, rel: str) -> None:
    got = (built / rel).read_bytes()
    want = GOLDEN / rel
    if os.environ.get("TONGWEN_UPDATE_GOLDEN"):
        want.parent.mkdir(parents=True, exist_ok=True)
        want.write_bytes(got)
    assert want.is_file(), f"no golden file for {rel}; run with TONGWEN_UPDATE_GOLDEN=1"
    assert got == want.read_bytes(), f"{rel} differs from tests/golden/{rel}"
