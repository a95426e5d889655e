"""UI strings per script. Written by hand for both scripts (Taiwan usage for 繁體), not converted at
build time, so the interface reads naturally in each edition."""

from __future__ import annotations

import datetime as dt

HANS: dict[str, str] = {
    "home": "首页", "tags": "标签", "categories": "分类", "topics": "专题", "recent": "最新文章",
    "search": "搜索", "search_placeholder": "搜索文章、专题、标签…", "search_button": "搜索",
    "search_empty": "没有找到结果", "search_results": "搜索结果", "search_loading": "正在搜索…",
    "search_hint": "输入关键词，简体繁体皆可", "search_count": "{n} 条结果",
    "languages": "语言", "switch_edition": "切换到{name}",
    "prev": "上一篇", "next": "下一篇", "older": "更早的文章", "newer": "更新的文章",
    "page_n": "第 {n} 页", "page_of": "第 {n} / {total} 页",
    "toc": "目录", "reading_time": "阅读约 {n} 分钟", "source": "原文", "published": "发布于",
    "updated": "更新于", "read_more": "阅读全文", "author": "作者", "about_author": "关于作者",
    "not_found_title": "页面不存在", "not_found_text": "你要找的页面不存在，可能已被移动或删除。",
    "back_home": "返回首页", "all_tags": "全部标签", "all_categories": "全部分类",
    "n_articles": "{n} 篇文章", "mentions": "提及", "n_mentions": "{n} 处提及",
    "related_articles": "相关文章", "related_topics": "同组专题", "topic_tags": "相关标签",
    "mentioned_in": "文中提到", "redirecting": "页面已移动到", "skip_to_content": "跳到正文",
    "menu": "菜单", "feed": "订阅", "posted_in": "分类", "tagged": "标签", "no_articles": "暂无文章",
    "collection_topics": "{n} 个专题", "lang_original": "原文语言",
    "search_noscript": "站内搜索需要启用 JavaScript。你也可以按标签、分类或专题浏览：",
    "search_error": "搜索索引加载失败，请稍后再试", "search_more": "更多结果",
    "search_kind_topic": "专题", "search_kind_collection": "专题合集", "search_kind_term": "标签",
}

HANT: dict[str, str] = {
    "home": "首頁", "tags": "標籤", "categories": "分類", "topics": "專題", "recent": "最新文章",
    "search": "搜尋", "search_placeholder": "搜尋文章、專題、標籤…", "search_button": "搜尋",
    "search_empty": "沒有找到結果", "search_results": "搜尋結果", "search_loading": "正在搜尋…",
    "search_hint": "輸入關鍵字，簡體繁體皆可", "search_count": "{n} 筆結果",
    "languages": "語言", "switch_edition": "切換到{name}",
    "prev": "上一篇", "next": "下一篇", "older": "較早的文章", "newer": "較新的文章",
    "page_n": "第 {n} 頁", "page_of": "第 {n} / {total} 頁",
    "toc": "目錄", "reading_time": "閱讀約 {n} 分鐘", "source": "原文", "published": "發佈於",
    "updated": "更新於", "read_more": "閱讀全文", "author": "作者", "about_author": "關於作者",
    "not_found_title": "頁面不存在", "not_found_text": "你要找的頁面不存在，可能已被移動或刪除。",
    "back_home": "返回首頁", "all_tags": "全部標籤", "all_categories": "全部分類",
    "n_articles": "{n} 篇文章", "mentions": "提及", "n_mentions": "{n} 處提及",
    "related_articles": "相關文章", "related_topics": "同組專題", "topic_tags": "相關標籤",
    "mentioned_in": "文中提到", "redirecting": "頁面已移動到", "skip_to_content": "跳到正文",
    "menu": "選單", "feed": "訂閱", "posted_in": "分類", "tagged": "標籤", "no_articles": "暫無文章",
    "collection_topics": "{n} 個專題", "lang_original": "原文語言",
    "search_noscript": "站內搜尋需要啟用 JavaScript。你也可以按標籤、分類或專題瀏覽：",
    "search_error": "搜尋索引載入失敗，請稍後再試", "search_more": "更多結果",
    "search_kind_topic": "專題", "search_kind_collection": "專題合集", "search_kind_term": "標籤",
}

assert HANS.keys() == HANT.keys()


def strings_for(script: str) -> dict[str, str]:
    return HANT if script == "Hant" else HANS


def format_date(d: dt.datetime | None) -> str:
    """2025年2月11日 — the same form in both scripts."""
    if d is None:
        return ""
    return f"{d.year}年{d.month}月{d.day}日"
