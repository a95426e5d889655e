"""Incremental builds (incremental.py) keep only pages whose inputs are unchanged: after any sequence
of edits the output must equal a clean build of the same inputs, byte for byte."""

from __future__ import annotations

import functools
import random
import shutil
import sqlite3
from pathlib import Path

import pytest
from test_build_equivalence import assert_same, clean_build, generated_site, small_site

from builder.incremental import fingerprint, identity, records
from builder.incremental.state import load_state
from builder.pipeline.build import build
from builder.render import THEME, list_pages, topic_pages
from builder.render import site as render_site_module
from conftest import damage_record, record


def _edit_body(site: Path, rnd: random.Random) -> str:
    """Text at the start (the summary changes) or at the end (only the article and its search record)."""
    p = rnd.choice(sorted((site / "content" / "posts").glob("g*.md")))
    text = p.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n")
    added = rnd.choice(["新增一句话，提到出海。", "追加：供应链。", "另一段。"])
    if rnd.random() < 0.5:
        p.write_text(head + sep + added + "\n\n" + body, encoding="utf-8")
        return f"body start {p.name}"
    p.write_text(text + "\n" + added + "\n", encoding="utf-8")
    return f"body end {p.name}"


def _edit_title(site: Path, rnd: random.Random) -> str:
    p = rnd.choice(sorted((site / "content" / "posts").glob("g*.md")))
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("title: 生成的文章", "title: 改过的文章", 1), encoding="utf-8")
    return f"title {p.name}"


def _edit_tags(site: Path, rnd: random.Random) -> str:
    p = rnd.choice(sorted((site / "content" / "posts").glob("g*.md")))
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("tags: [", "tags: [新标签, ", 1), encoding="utf-8")
    return f"tags {p.name}"


def _add(site: Path, rnd: random.Random) -> str:
    n = rnd.randrange(10_000)
    p = site / "content" / "posts" / f"new{n}.md"
    p.write_text(f"---\ntitle: 新文章 {n}\ndate: 2024-06-0{1 + n % 9}\ntags: [出海]\n---\n跨境电商和出海。\n",
                 encoding="utf-8")
    return f"add {p.name}"


def _delete(site: Path, rnd: random.Random) -> str:
    p = rnd.choice(sorted((site / "content" / "posts").glob("g*.md")))
    p.unlink()
    return f"delete {p.name}"


def _remove_mention(site: Path, rnd: random.Random) -> str:
    """A body edit that changes which topics the article mentions (and so the topic pages' lists)."""
    p = rnd.choice(sorted((site / "content" / "posts").glob("g*.md")))
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("出海", "远航").replace("跨境", "外贸"), encoding="utf-8")
    return f"mentions {p.name}"


def _edit_mentioned_passage(site: Path, rnd: random.Random) -> str:
    """A passage that mentions a topic changes in place: the same mentions, counts and pages, but
    the topic page quoting it shows its new text."""
    posts = [p for p in sorted((site / "content" / "posts").glob("g*.md")) if "出海" in p.read_text(encoding="utf-8")]
    if not posts:
        return "none"
    p = rnd.choice(posts)
    text = p.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n---\n")
    p.write_text(head + sep + body.replace("出海", "出海（改）", 1), encoding="utf-8")
    return f"mentioned passage {p.name}"


def _topic_alias(site: Path, rnd: random.Random) -> str:
    p = rnd.choice(sorted((site / "content" / "topics").rglob("*.md")))
    if p.name == "_index.md":
        return "none"
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("aliases: [", "aliases: [供应链金融, ", 1), encoding="utf-8")
    return f"alias {p.name}"


def _template(site: Path, rnd: random.Random) -> str:
    (site / "templates").mkdir(exist_ok=True)
    src = Path(THEME / "templates" / "list.html").read_text(encoding="utf-8")
    (site / "templates" / "list.html").write_text(src + f"{{# {rnd.random()} #}}<!-- edited -->\n",
                                                  encoding="utf-8")
    return "template list.html"


def _site_yaml(site: Path, rnd: random.Random) -> str:
    p = site / "site.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("title:", "title: 新", 1), encoding="utf-8")
    return "site.yaml title"


EDITS = ([_edit_body] * 5 + [_remove_mention] * 2 + [_edit_mentioned_passage] * 2
         + [_edit_title, _edit_tags, _add, _delete, _topic_alias, _template, _site_yaml])


@pytest.fixture()
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(topic_pages, "MENTIONS_PER_PAGE", 3)  # topic pages paginate in a small site too
    s = generated_site(tmp_path / "site", n=24)
    yaml = s / "site.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + "\npaginate: 4\n", encoding="utf-8")
    return s


def test_body_edit_renders_only_what_shows_it(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build(site, out, jobs=1)
    assert record(site, out, records.STATE) is not None
    _edit_body(site, random.Random(1))
    second = build(site, out, jobs=1)
    assert second.jobs_kept > 0 and second.jobs_run < first.jobs_run / 3, (second.jobs_run, second.jobs_kept)
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")


def test_an_edit_no_other_page_shows_renders_only_the_article(site: Path, tmp_path: Path) -> None:
    """Text added at the end of an article, away from its summary and from any topic mention,
    changes its own two pages and its search record, and nothing else: no list page, feed or topic
    page shows it (what they show of it, its memo, is unchanged)."""
    out = tmp_path / "out"
    build(site, out, jobs=1)
    p = sorted((site / "content" / "posts").glob("g*.md"))[5]
    p.write_text(p.read_text(encoding="utf-8") + "\n文末另加的一段话。\n", encoding="utf-8")
    second = build(site, out, jobs=1)
    assert second.jobs_run == 1, (second.jobs_run, second.jobs_kept)
    assert "文末另加的一段话" in (out / "posts" / p.stem / "index.html").read_text(encoding="utf-8")
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")


@pytest.mark.no_verify
def test_a_body_edit_renders_only_the_list_page_showing_it(site: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Home list pages are carried page by page: of the 6 home pages per edition, only the one
    that shows the edited article's summary renders again (it shows the new summary)."""
    out = tmp_path / "out"
    build(site, out, jobs=1)
    rendered: list[tuple[str, str, int]] = []
    real = list_pages._list_page

    @functools.wraps(real)  # (the job keys hold the function's name)
    def spy(ctx, env, kind, base, entries, title, term, n, *rest):  # type: ignore[no-untyped-def]
        rendered.append((ctx.edition.key, kind, n))
        return real(ctx, env, kind, base, entries, title, term, n, *rest)

    monkeypatch.setattr(list_pages, "_list_page", spy)
    posts = sorted((site / "content" / "posts").glob("*.md"))
    newest_first = sorted(posts, key=lambda p: p.read_text(encoding="utf-8").split("date:")[1][:30], reverse=True)
    target = newest_first[9]  # the 10th newest: home page 3 (4 per page)
    text = target.read_text(encoding="utf-8")
    head, body = text.split("\n---\n", 1)
    target.write_text(head + "\n---\n" + "新的开头一句话。\n\n" + body, encoding="utf-8")
    build(site, out, jobs=1)
    assert sorted(r for r in rendered if r[1] == "home") == [("zh-cn", "home", 3), ("zh-tw", "home", 3)]
    assert "新的开头一句话" in (out / "page" / "3" / "index.html").read_text(encoding="utf-8")
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")


@pytest.mark.no_verify
def test_a_new_mention_renders_only_the_first_page_of_the_sibling_topics(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A topic's first page lists its sibling topics with their counts; its later pages do not. A
    new mention of 定制 re-renders 定制's pages and the first page of each sibling (出海 …), not
    their later pages."""
    out = tmp_path / "out"
    build(site, out, jobs=1)
    chuhai = next(p for p in out.rglob("chuhai/index.html") if "zh-tw" not in p.parts)
    assert (chuhai.parent / "page" / "2" / "index.html").is_file()  # (3 mentions per page: see `site`)
    assert 'class="siblings"' in chuhai.read_text(encoding="utf-8")
    assert "定制" in chuhai.read_text(encoding="utf-8").split('class="siblings"')[1]
    assert 'class="siblings"' not in (chuhai.parent / "page" / "2" / "index.html").read_text(encoding="utf-8")
    rendered: list[tuple[str, int]] = []
    real = topic_pages._topic

    @functools.wraps(real)  # (the job keys hold the function's name)
    def spy(ctx, env, c, t, plan, matcher, n):  # type: ignore[no-untyped-def]
        rendered.append((Path(t.entry.source).stem, n))
        return real(ctx, env, c, t, plan, matcher, n)

    monkeypatch.setattr(topic_pages, "_topic", spy)
    p = sorted((site / "content" / "posts").glob("g*.md"))[3]
    head, body = p.read_text(encoding="utf-8").split("\n---\n", 1)
    p.write_text(head + "\n---\n" + "这一段新提到定制。\n\n" + body, encoding="utf-8")
    build(site, out, jobs=1)
    assert ("dingzhi", 1) in rendered and ("chuhai", 1) in rendered
    assert ("chuhai", 2) not in rendered, sorted(set(rendered))
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")


@pytest.mark.no_verify
def test_a_mentioned_passage_past_the_summary_renders_topic_pages_not_lists(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """List pages and feeds show an article's summary only: an edit to a passage that mentions a
    topic, past the summary, re-renders the topic page quoting it and no list page."""
    p = sorted((site / "content" / "posts").glob("g*.md"))[7]
    p.write_text(p.read_text(encoding="utf-8") + "\n文末提到出海的一段。\n", encoding="utf-8")
    out = tmp_path / "out"
    build(site, out, jobs=1)
    rendered: list[str] = []
    real_list, real_topic = list_pages._list_page, topic_pages._topic

    @functools.wraps(real_list)  # (the job keys hold the functions' names)
    def list_spy(ctx, env, kind, base, *rest):  # type: ignore[no-untyped-def]
        rendered.append(f"{kind} {base}")
        return real_list(ctx, env, kind, base, *rest)

    @functools.wraps(real_topic)
    def topic_spy(ctx, env, c, t, *rest):  # type: ignore[no-untyped-def]
        rendered.append(f"topic {Path(t.entry.source).stem}")
        return real_topic(ctx, env, c, t, *rest)

    monkeypatch.setattr(list_pages, "_list_page", list_spy)
    monkeypatch.setattr(topic_pages, "_topic", topic_spy)
    p.write_text(p.read_text(encoding="utf-8").replace("文末提到出海的一段。", "文末提到出海的一段，改过。"),
                 encoding="utf-8")
    build(site, out, jobs=1)
    assert "topic chuhai" in rendered and not [r for r in rendered if not r.startswith("topic")], rendered
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")


def test_a_related_articles_summary_is_fresh_on_every_topic_page(site: Path, tmp_path: Path) -> None:
    """A site template showing the related articles' summaries on topic pages: a new summary of one
    of them re-renders every page of the topic (each lists the first related articles)."""
    (site / "templates").mkdir(exist_ok=True)
    src = (THEME / "templates" / "topic.html").read_text(encoding="utf-8")
    assert "{{ a.title }}</a>" in src
    (site / "templates" / "topic.html").write_text(
        src.replace("{{ a.title }}</a>", "{{ a.title }}</a> {{ a.summary }}"), encoding="utf-8")
    out = tmp_path / "out"
    build(site, out, jobs=1)
    chuhai = next(p for p in out.rglob("chuhai/index.html") if "zh-tw" not in p.parts)
    related = chuhai.read_text(encoding="utf-8").split('class="related"')[1].split("</section>")[0]
    first = next(h.split('"')[0].rstrip("/").split("/")[-1] for h in related.split('href="')[1:]
                 if h.split('"')[0].rstrip("/").split("/")[-1].startswith("g"))
    p = site / "content" / "posts" / f"{first}.md"
    head, body = p.read_text(encoding="utf-8").split("\n---\n", 1)
    p.write_text(head + "\n---\n" + "摘要换了新的开头。\n\n" + body, encoding="utf-8")
    build(site, out, jobs=1)
    assert "摘要换了新的开头" in (chuhai.parent / "page" / "9" / "index.html").read_text(encoding="utf-8")
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")


def test_an_edit_to_a_translated_article_is_incremental(tmp_path: Path) -> None:
    """second.md has a zh-TW translation, so the zh-tw edition's topic pages do not show its
    mentions: an edit re-renders the topic's zh-cn page only. The topic's search record (both
    editions) must not depend on that page, or the index update gives up and every job runs."""
    site = small_site(tmp_path / "site")
    out = tmp_path / "out"
    build(site, out, jobs=1)
    p = site / "content" / "posts" / "second.md"
    head, body = p.read_text(encoding="utf-8").split("\n---\n", 1)
    p.write_text(head + "\n---\n" + "新的开头。\n\n" + body, encoding="utf-8")
    second = build(site, out, jobs=1)
    assert second.jobs_kept > 0, (second.jobs_run, second.jobs_kept)
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")


def test_a_passage_edited_in_place_is_quoted_afresh(site: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A topic page stands while the passages it quotes keep their texts. Anchors are digests of
    the text, so an edited passage is also a new row; with anchors by position (patched here) the
    text comparison alone must catch it."""
    from builder.text import markdown
    monkeypatch.setattr(markdown, "_passage_id", lambda text: "p")  # p, p-1, p-2 …: by position
    p = sorted((site / "content" / "posts").glob("g*.md"))[7]
    p.write_text(p.read_text(encoding="utf-8") + "\n文末提到出海的一段。\n", encoding="utf-8")  # (past the summary)
    out = tmp_path / "out"
    build(site, out, jobs=1)
    p.write_text(p.read_text(encoding="utf-8").replace("文末提到出海的一段。", "文末提到出海的一段，改过。"),
                 encoding="utf-8")
    build(site, out, jobs=1)
    assert any("的一段，改过" in q.read_text(encoding="utf-8") for q in out.rglob("*.html")
               if "chuhai" in q.parts and "zh-tw" not in q.parts)
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")


def test_patched_build_records_the_folder_as_it_is(site: Path, tmp_path: Path) -> None:
    """A patched build re-stats only the files it touched; what it records must still be exactly
    the folder's state, or the next edit would not be trusted and would run every job."""
    out = tmp_path / "out"
    build(site, out, jobs=1)
    for seed in (1, 2, 3):
        _edit_body(site, random.Random(seed))
        r = build(site, out, jobs=1)
        assert r.jobs_kept > 0, seed
        state = load_state(site, out)
        assert state is not None and state.listing == fingerprint.output_digest(out)


def test_state_whose_cache_rows_are_gone_runs_every_job(site: Path, tmp_path: Path) -> None:
    """The state names topics' mention lists kept in the store's entries: without them nothing is kept."""
    out = tmp_path / "out"
    build(site, out, jobs=1)
    conn = sqlite3.connect(records.db_path(site), isolation_level=None)
    conn.execute("DELETE FROM entries")
    conn.close()
    _edit_body(site, random.Random(4))
    r = build(site, out, jobs=1)
    assert r.jobs_kept == 0
    post = sorted((site / "content" / "posts").glob("g*.md"))[5]  # and the state written then serves
    post.write_text(post.read_text(encoding="utf-8") + "\n又一段。\n", encoding="utf-8")  # the next edit
    assert build(site, out, jobs=1).jobs_kept > 0
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")


def test_touched_output_is_not_trusted(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=1)
    page = next(out.rglob("g0003/index.html"))
    page.write_text("defaced", encoding="utf-8")  # the output folder no longer holds what the state says
    _edit_body(site, random.Random(2))
    r = build(site, out, jobs=1)
    assert r.jobs_kept == 0
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")


def test_damaged_state_is_ignored(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=1)
    state = record(site, out, records.STATE)
    assert state is not None
    damage_record(site, out, records.STATE, state[:100], checked=False)
    _edit_body(site, random.Random(3))
    r = build(site, out, jobs=1)
    assert r.jobs_kept == 0
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")


@pytest.mark.parametrize("seed", [11, 12])
def test_edit_sequences_equal_clean_builds(site: Path, tmp_path: Path, seed: int,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # the few pages an edit renders again go to worker processes too (not only in the main one)
    monkeypatch.setattr(render_site_module, "SERIAL_ARTICLES", 0)
    monkeypatch.setattr(render_site_module, "SERIAL_JOBS", 0)
    rnd = random.Random(seed)
    out = tmp_path / "out"
    build(site, out, jobs=2 if seed % 2 else 1)
    done = []
    for step in range(10):
        done.append(rnd.choice(EDITS)(site, rnd))
        build(site, out, jobs=2 if (seed + step) % 2 else 1)
        shadow = tmp_path / "shadow"
        shutil.copytree(site, shadow, ignore=shutil.ignore_patterns(identity.CACHE_DIR))
        clean_build(shadow, tmp_path / "clean")
        try:
            assert_same(out, tmp_path / "clean")
        except AssertionError as exc:
            raise AssertionError(f"after {done}: {exc}") from None
        shutil.rmtree(shadow)


@pytest.mark.no_verify
def test_edit_during_a_build_is_not_recorded(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file saved while a build runs: that build's output mixes old and new inputs, so neither its
    fingerprint nor its state may be recorded; the next build does the work and equals a clean one."""
    from builder.incremental import session as session_module
    out = tmp_path / "out"
    build(site, out, jobs=1)
    post = sorted((site / "content" / "posts").glob("g*.md"))[3]
    real = session_module.global_sig

    def sign_then_edit(*a, **k):  # type: ignore[no-untyped-def]
        result = real(*a, **k)
        post.write_text(post.read_text(encoding="utf-8") + "\n构建期间保存的一段。\n", encoding="utf-8")
        return result

    monkeypatch.setattr(session_module, "global_sig", sign_then_edit)
    _edit_body(site, random.Random(5))
    build(site, out, jobs=1)
    assert record(site, out, records.STATE) is None
    monkeypatch.setattr(session_module, "global_sig", real)
    again = build(site, out, jobs=1)
    assert not again.skipped and again.jobs_kept == 0
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")


def _shadow_clean(site: Path, tmp_path: Path, **kw: object) -> Path:
    shadow = tmp_path / "shadow"
    shutil.rmtree(shadow, ignore_errors=True)
    shutil.copytree(site, shadow, ignore=shutil.ignore_patterns(identity.CACHE_DIR))
    clean = tmp_path / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    build(shadow, clean, jobs=1, **kw)  # type: ignore[arg-type]
    return clean


def test_other_inputs_equal_clean_builds(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inputs beside the Markdown: static files, bundle resources, drafts, base_url, SOURCE_DATE_EPOCH,
    and an output folder changed or emptied by hand."""
    out = tmp_path / "out"
    bundle = site / "content" / "posts" / "bundle"
    bundle.mkdir()
    (bundle / "index.md").write_text("---\ntitle: 图集\ndate: 2024-05-05\n---\n![图](pic.png)\n", encoding="utf-8")
    (bundle / "pic.png").write_bytes(b"\x89PNG one")
    (site / "static").mkdir()
    (site / "static" / "extra.css").write_text("a{}", encoding="utf-8")
    draft = "---\ntitle: 草稿\ndate: 2024-05-06\ndraft: true\n---\n草稿正文。\n"
    (site / "content" / "posts" / "draft.md").write_text(draft, encoding="utf-8")
    build(site, out, jobs=1)
    steps = [
        lambda: (bundle / "pic.png").write_bytes(b"\x89PNG two"),
        lambda: (site / "static" / "extra.css").write_text("b{}", encoding="utf-8"),
        lambda: (site / "static" / "extra.css").unlink(),
    ]
    for step in steps:
        step()
        build(site, out, jobs=1)
        assert_same(out, _shadow_clean(site, tmp_path))
    build(site, out, jobs=1, drafts=True)
    assert_same(out, _shadow_clean(site, tmp_path, drafts=True))
    build(site, out, jobs=1, base_url="https://other.example/sub/")
    assert_same(out, _shadow_clean(site, tmp_path, base_url="https://other.example/sub/"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(site, out, jobs=1)
    assert_same(out, _shadow_clean(site, tmp_path))
    for page in list(out.rglob("index.html"))[:3]:
        page.unlink()  # removed by hand: the state no longer describes the folder
    _edit_body(site, random.Random(9))
    build(site, out, jobs=1)
    assert_same(out, _shadow_clean(site, tmp_path))


SITE_TOPIC = """<!doctype html><html lang="{{ page_lang }}"><head><title>{{ title }}</title></head><body>
<h1>{{ page.title }}</h1>
{% for a in page.related %}<p class="rel">{{ a.title }} | {{ a.summary }} |
{% for t in a.tags %}#{{ t.name }} {% endfor %}</p>
{% endfor %}{% for s in page.siblings %}<p class="sib">{{ s.title }} | {{ s.description }}</p>
{% endfor %}</body></html>
"""


def test_a_site_template_showing_more_than_the_theme_updates_with_what_it_shows(
        site: Path, tmp_path: Path) -> None:
    """A site's own topic template shows what the built-in theme does not: the related articles'
    summaries and tags, and the sibling topics' text. No list of keys names these fields: what a
    page read is recorded as it renders, so editing each of them re-renders the page (and verify
    mode compares every build with a clean one)."""
    (site / "templates").mkdir()
    (site / "templates" / "topic.html").write_text(SITE_TOPIC, encoding="utf-8")
    rel = site / "content" / "posts" / "rel.md"  # the newest article: the first related one of 出海
    rel.write_text("---\ntitle: 最新一篇\ndate: 2025-12-31\ntags: [旧标签]\n---\n摘要甲说的是出海。\n\n正文。\n",
                   encoding="utf-8")
    out = tmp_path / "out"
    build(site, out, jobs=1)
    page = out / "topics" / "新生意赛道" / "chuhai" / "index.html"

    def shown() -> str:
        return page.read_text(encoding="utf-8")

    assert "最新一篇 | 摘要甲说的是出海。" in shown() and "#旧标签" in shown()
    assert "分销 | 商家可以通过 1688" in shown()
    untouched = page.stat().st_mtime_ns

    rel.write_text(rel.read_text(encoding="utf-8").replace("摘要甲", "摘要乙"), encoding="utf-8")
    build(site, out, jobs=1)  # a related article's summary (its body: no front matter changed)
    assert "摘要乙说的是出海。" in shown() and page.stat().st_mtime_ns != untouched

    fenxiao = site / "content" / "topics" / "新生意赛道" / "fenxiao.md"
    fenxiao.write_text(fenxiao.read_text(encoding="utf-8").replace("商家可以", "如今商家可以"), encoding="utf-8")
    build(site, out, jobs=1)  # a sibling topic's own text
    assert "分销 | 如今商家可以通过 1688" in shown()

    rel.write_text(rel.read_text(encoding="utf-8").replace("旧标签", "新标签"), encoding="utf-8")
    build(site, out, jobs=1)  # a related article's tags
    assert "#新标签" in shown() and "#旧标签" not in shown()
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")


def test_the_same_site_spelled_two_ways_is_one_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`tongwen build site` and `tongwen build /abs/site` share what earlier builds left: an edit
    after a change of spelling renders the edited page, not every page."""
    site, out = small_site(tmp_path / "site"), tmp_path / "out"
    build(site, out, jobs=1)
    post = site / "content" / "posts" / "second.md"
    post.write_text(post.read_text(encoding="utf-8") + "\n又一句。\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = build(Path("site"), Path("out"), jobs=1, verify=True)
    assert 0 < result.jobs_run < result.jobs_kept
