"""Tests CJK line breaking (tutor/app/cjk_wrap.py): filled Chinese lines in the real app, English wrapped as before."""

from __future__ import annotations

import re

import pytest
import rich._wrap
import textual._wrap
from app_support import make_app, wait_for
from rich.cells import cell_len
from textual.widgets import Markdown

from tutor.app import cjk_wrap
from tutor.lessons.loader import load_catalog
from tutor.lessons.model import Translations

ORIGINAL_RICH = re.compile(r"\s*\S+\s*")  # rich._wrap.re_word before install()
ORIGINAL_TEXTUAL = re.compile(r"\S+\s*|\s+")  # textual._wrap.re_chunk before install()
CLOSING = tuple("、。，．：；！？）」』】》")
OPENING = tuple("（「『【《")
PARAGRAPH = (
    "深度学习框架把张量放在中心位置：数据、权重和梯度都是张量。PyTorch 的张量可以放在 GPU 上，"
    "并且能记录运算历史，这就是自动求导的基础。我们先从创建张量开始，再看索引、广播和线性代数，"
    "最后用 torch.nn 搭一个小网络（全连接网络和卷积网络）在 MNIST 上训练。"
)


def _lines(text: str, width: int) -> list[str]:
    cuts = rich._wrap.divide_line(text, width)
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


def _with_patterns(rich_word, textual_chunk, fn):
    saved = rich._wrap.re_word, textual._wrap.re_chunk
    rich._wrap.re_word, textual._wrap.re_chunk = rich_word, textual_chunk
    try:
        return fn()
    finally:
        rich._wrap.re_word, textual._wrap.re_chunk = saved


def test_install_patches_both_wrappers():
    assert cjk_wrap.install() == ["rich._wrap", "textual._wrap"]
    assert (
        rich._wrap.re_word is cjk_wrap.RICH_WORD
        and textual._wrap.re_chunk is cjk_wrap.TEXTUAL_CHUNK
    )


@pytest.mark.parametrize("width", [20, 31, 48])
def test_chinese_lines_are_filled_and_keep_punctuation_rules(width):
    before = _with_patterns(ORIGINAL_RICH, ORIGINAL_TEXTUAL, lambda: _lines(PARAGRAPH, width))
    after = _with_patterns(
        cjk_wrap.RICH_WORD, cjk_wrap.TEXTUAL_CHUNK, lambda: _lines(PARAGRAPH, width)
    )
    assert "".join(after) == PARAGRAPH
    assert _problems(after, width) == []
    # Whitespace-only breaking fails these rules on this paragraph at every width tested.
    assert _problems(before, width) != []


def _problems(lines: list[str], width: int) -> list[str]:
    found = []
    for line, following in zip(lines, lines[1:], strict=False):
        # Full, unless the next line's first word (a Latin word, or one CJK character with the
        # punctuation that must stay with it) would not have fitted.
        first = re.match(
            r"[（「『【《]*([A-Za-z0-9_.()\[\]]+|.)[、。，．：；！？）」』】》]*", following
        ).group(0)
        if cell_len(line.rstrip()) > width or cell_len(line) + cell_len(first) <= width:
            found.append(f"short or long: {line!r}")
        if line.rstrip().endswith(OPENING):
            found.append(f"ends with an opening bracket: {line!r}")
        if re.search(r"[A-Za-z]$", line) and not line.endswith(" "):
            found.append(f"splits a word: {line!r}")
    found += [
        f"starts with closing punctuation: {line!r}"
        for line in lines[1:]
        if line.startswith(CLOSING)
    ]
    return found


def _english_texts() -> list[str]:
    texts = []
    for loaded in load_catalog([], builtin=True, user=False, env=False).lessons:
        lesson = loaded.lesson
        for value in (
            lesson.title,
            lesson.summary,
            *(t for s in lesson.steps for t in (s.text, s.title, *s.hints)),
        ):
            if value is not None:
                texts.append(value.en if isinstance(value, Translations) else value)
    return texts


def test_english_text_is_cut_exactly_as_before():
    # (A few English texts quote the notes' Chinese, e.g. "左开右闭": those may wrap differently.)
    texts = [t for t in _english_texts() if not re.search(r"[\u3000-\u9fff\uff00-\uffef]", t)]
    assert len(texts) > 200
    texts = [
        line for text in texts for line in text.splitlines()
    ]  # the wrappers take one line at a time
    for width in (17, 40, 76):
        for wrap in (
            lambda t, w=width: rich._wrap.divide_line(t, w),
            lambda t, w=width: textual._wrap.compute_wrap_offsets(t, w, 4),
        ):

            def cut_all(wrap=wrap):
                return [wrap(t) for t in texts]

            before = _with_patterns(ORIGINAL_RICH, ORIGINAL_TEXTUAL, cut_all)
            after = _with_patterns(cjk_wrap.RICH_WORD, cjk_wrap.TEXTUAL_CHUNK, cut_all)
            assert after == before


LESSON = f'''
format_version = 1
id = "zh-wrap"
title = {{ en = "Wrapping", zh = "换行" }}
chapter = {{ en = "Test", zh = "测试" }}
order = 1
summary = "One step of Chinese text."

[[steps]]
title = {{ en = "Text", zh = "文字" }}
text = {{ en = "English text.", zh = "{PARAGRAPH}" }}
code = "print(1)"
[steps.expect]
kind = "text"
output = "1\\n"
'''


async def test_the_lesson_screen_wraps_a_chinese_paragraph_into_full_lines(tmp_path):
    (tmp_path / "zh-wrap.toml").write_text(LESSON, encoding="utf-8")
    catalog = load_catalog([tmp_path], builtin=False, user=False, env=False)
    rich._wrap.re_word, textual._wrap.re_chunk = (
        ORIGINAL_RICH,
        ORIGINAL_TEXTUAL,
    )  # the app must install them
    app = make_app(catalog, lesson_id="zh-wrap", lang="zh", fake=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(
            pilot, lambda: bool(app.screen.query("#explanation-md")), "the lesson screen"
        )
        markdown = app.screen.query_one("#explanation-md", Markdown)
        await pilot.pause(0.3)
        region = markdown.content_region
        screen_rows = [
            strip.crop(region.x, region.right).text
            for strip in app.screen._compositor.render_strips()
        ]
        rows = [row.strip() for row in screen_rows[region.y : region.bottom] if row.strip()]
        width = region.width
        assert "".join(rows).replace(" ", "") == PARAGRAPH.replace(" ", "")
        assert len(rows) >= 3
        for row in rows[:-1]:
            assert cell_len(row) >= width - 6, (width, rows)
        assert not any(row.startswith(CLOSING) for row in rows)
