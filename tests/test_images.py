"""Local images resized at build time (builder/images/): sizes, WebP with fallback, the cache, the
URLs from every page, og:image, determinism and the incremental keys."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image

from builder.images.resize import resize
from builder.images.sizes import CARD, OG, WIDE
from builder.pipeline.build import build
from tests.conftest import read, write_site


def _png(w: int, h: int, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", (w, h), colour)
    for x in range(0, w, 7):  # some detail, so the encoders have work to do
        img.putpixel((x, (x * 3) % h), (0, 0, 255))
    img.save(buf, "PNG")
    return buf.getvalue()


def _jpeg(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), (10, 120, 200)).save(buf, "JPEG")
    return buf.getvalue()


ARTICLE = """---
title: 有图
date: 2024-01-02
thumbnail: /static/img/t.jpg
---
正文。

![示意图](fig.png)
"""


def _site(tmp_path: Path, base_url: str = "https://example.org/sub/") -> Path:
    site = write_site(tmp_path / "site", {
        "site.yaml": f"title: 图站\nbase_url: {base_url}\n",
        "content/posts/pic/index.md": ARTICLE,
    })
    (site / "static/img").mkdir(parents=True)
    (site / "static/img/t.jpg").write_bytes(_jpeg(3000, 2000))
    (site / "content/posts/pic/fig.png").write_bytes(_png(2400, 1200))
    return site


def test_resize_sizes_and_determinism() -> None:
    data = _png(2400, 1200)
    card = resize(data, CARD)
    assert (card.width, card.height, card.fallback_ext) == (400, 240, "png")
    assert Image.open(io.BytesIO(card.webp)).format == "WEBP"
    wide = resize(data, WIDE)
    assert (wide.width, wide.height) == (1600, 800)
    og = resize(_jpeg(800, 800), OG)
    assert (og.width, og.height, og.fallback_ext, og.webp) == (1200, 630, "jpg", b"")
    assert resize(data, CARD) == card and resize(data, WIDE) == wide  # same bytes for the same input
    small = resize(_png(300, 200), WIDE)
    assert (small.width, small.height) == (300, 200)  # never scaled up


def test_list_card_article_lead_body_and_og(tmp_path: Path) -> None:
    site = _site(tmp_path)
    out = tmp_path / "out"
    build(site, out)
    home = read(out, "index.html")
    m = re.search(r'<picture><source srcset="(resized/[^"]+-card-400x240\.webp)" type="image/webp">'
                  r'<img src="(resized/[^"]+-card-400x240\.jpg)" alt="" width="400" height="240" decoding="async">',
                  home)
    assert m, home
    assert (out / m.group(1)).is_file() and (out / m.group(2)).is_file()
    tw_home = read(out, "zh-tw/index.html")
    assert 'srcset="../resized/' in tw_home  # relative to the page: sub-path base_url and file:// work
    page = read(out, "posts/pic/index.html")
    assert re.search(r'<figure class="post-thumbnail"><picture><source '
                     r'srcset="../../resized/[^"]+-wide-1600x1067\.webp"', page), page
    lead = page.split('class="post-thumbnail"')[1].split("</figure>")[0]
    assert 'loading="lazy"' not in lead  # the lead: above the fold
    assert re.search(r'<picture><source srcset="../../resized/[^"]+-wide-1600x800\.webp" type="image/webp">'
                     r'<img src="../../resized/[^"]+-wide-1600x800\.png" alt="示意图" width="1600" height="800" '
                     r'loading="lazy"', page), page
    og = re.search(r'<meta property="og:image" content="([^"]+)">', page)
    assert og and re.fullmatch(r"https://example\.org/sub/resized/[0-9a-f]{16}-og-1200x630\.jpg", og.group(1))
    assert f'<meta name="twitter:image" content="{og.group(1)}">' in page
    assert (out / og.group(1).removeprefix("https://example.org/sub/")).is_file()


def test_cache_means_no_second_resize(tmp_path: Path, monkeypatch) -> None:
    site = _site(tmp_path)
    build(site, tmp_path / "out")
    cached = sorted(p.name for p in (site / ".tongwen-cache/images").iterdir())
    assert len(cached) == 2 * 3 + 2 - 1  # card (jpg+webp), wide (jpg+webp), og (jpg); fig wide (png+webp)
    import builder.images.table as table

    def boom(*_a, **_k):
        raise AssertionError("resized again")
    monkeypatch.setattr(table, "resize", boom)
    (site / "content/posts/pic/index.md").write_text(ARTICLE + "\n再一段。\n", encoding="utf-8")
    build(site, tmp_path / "out")
    build(site, tmp_path / "out2")
    assert (tmp_path / "out/resized").is_dir()


def test_changed_image_changes_pages_incrementally(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TONGWEN_VERIFY", "1")  # every incremental build compared with a clean one
    site = _site(tmp_path)
    out = tmp_path / "out"
    build(site, out)
    (site / "content/posts/pic/fig.png").write_bytes(_png(1000, 1000, (0, 200, 0)))
    build(site, out)
    assert 'width="1000" height="1000"' in read(out, "posts/pic/index.html")
    (site / "static/img/t.jpg").write_bytes(_jpeg(500, 1000))
    build(site, out)
    assert re.search(r'-wide-500x1000\.jpg', read(out, "zh-tw/posts/pic/index.html"))


def test_remote_and_missing_images_stay_as_written(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {"content/posts/a.md": """
        ---
        title: 远程
        date: 2024-01-02
        thumbnail: "https://img.example.com/t.jpg"
        ---
        ![远程图](https://img.example.com/x.png)
        """})
    out = tmp_path / "out"
    build(site, out)
    page = read(out, "posts/a/index.html")
    assert '<img src="https://img.example.com/x.png" alt="远程图" loading="lazy"' in page
    assert '<meta property="og:image" content="https://img.example.com/t.jpg">' in page
    assert not (out / "resized").exists()


def test_check_reports_missing_local_thumbnail_and_body_image(tmp_path: Path, capsys) -> None:
    from builder.cli import main
    site = write_site(tmp_path / "site", {"content/posts/a.md": """
        ---
        title: 缺图
        date: 2024-01-02
        thumbnail: /static/none.jpg
        ---
        正文。

        ![缺](gone.png)
        """})
    assert main(["check", str(site)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert any(ln.startswith("content/posts/a.md:4: thumbnail '/static/none.jpg' not found") for ln in out), out
    assert any(ln.startswith("content/posts/a.md:8: image 'gone.png' not found") for ln in out), out


def test_not_an_image_is_published_as_it_is(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", {"content/posts/a.md": """
        ---
        title: 假图
        date: 2024-01-02
        ---
        ![假](fake.png)
        """, "content/posts/fake.png": "not a png"})
    out = tmp_path / "out"
    build(site, out)
    assert '<img src="fake.png" alt="假" loading="lazy"' in read(out, "posts/a/index.html")
    assert (out / "posts/fake.png").read_text() == "not a png"
