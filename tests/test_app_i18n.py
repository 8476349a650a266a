"""Tests the Chinese UI chrome (--lang zh): home, lesson and training screens with Pilot, a snapshot, and the zh table's coverage.

Every test runs with tutor.app.i18n.STRICT on, so a string shown without a zh entry fails the test
instead of quietly showing English.
Update the snapshot with: pytest tests/test_app_i18n.py -k snapshot --snapshot-update
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from string import Formatter

import pytest
from app_support import (
    make_app,
    notifications,
    run_step,
    running,
    screen_text,
    wait_for,
    wait_ready,
)
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from textual.app import App
from textual.dom import DOMNode
from textual.widgets import Button, Input, Label, Static

import tutor.app
from tutor.app import i18n
from tutor.app.commands import LESSON_COMMANDS
from tutor.app.i18n import ui
from tutor.app.i18n_zh import ZH

pytestmark = pytest.mark.timeout(240)

APP_DIR = Path(tutor.app.__file__).parent
# A run of Latin letters that is a whole English word, not a key name, a technical term or an
# environment variable ($EDITOR).
ENGLISH_WORD = re.compile(r"(?<![$A-Za-z])[A-Za-z]{3,}")
KEPT_WORDS = {
    "cnn",
    "fcn",
    "mnist",
    "torch",
    "tensor",
    "loss",
    "dtype",
    "batch",
    "size",
    "sgd",
    "enter",
    "esc",
    "tab",
    "ctrl",
    "shift",
    "pgup",
    "pgdn",
    "eta",
    "home",
    "end",
    "python",
}


@pytest.fixture(autouse=True)
def strict(monkeypatch):
    monkeypatch.setattr(i18n, "STRICT", True)


def footer_line(app) -> str:
    return screen_text(app).splitlines()[-1]


def rendered(widget: Static) -> str:
    console = Console(width=200, color_system=None, record=True)
    console.print(widget.content)
    return console.export_text()


def english_words(text: str) -> set[str]:
    return {word for word in ENGLISH_WORD.findall(text) if word.lower() not in KEPT_WORDS}


# --- Pilot: what a learner sees -------------------------------------------------------------


async def test_home_screen_chrome_is_chinese():
    async with running((100, 30), lang="zh", fake=True) as (app, pilot):
        text = screen_text(app)
        footer = footer_line(app)
        for words in ("/ 搜索", "c 继续", "t 训练", "^q 退出", "f1 帮助", "^p 命令面板"):
            assert words in footer, footer
        assert not english_words(footer), footer
        assert "一步一步学 PyTorch" in text and "▶ 继续" in text and "● 就绪" in text
        assert "从这里开始：01 应用基础" in text  # no progress yet: the first lesson, in zh
        assert "加载失败的课程" in text  # the fixture folder has a broken lesson
        await pilot.press("slash")
        for key in "nomatch":
            await pilot.press(key)
        await pilot.pause(0.1)
        assert "没有与「nomatch」匹配的课程。" in screen_text(app)
        assert app.screen.query_one("#search", Input).placeholder == "搜索课程（Esc 清除）"


async def test_lesson_screen_buttons_footer_and_messages_are_chinese():
    async with running((100, 30), lang="zh", lesson_id="app-basics") as (app, pilot):
        toolbar = app.screen.query_one("#toolbar")
        labels = [str(button.label) for button in toolbar.query(Button)]
        assert labels == ["▶ 运行", "■ 停止", "提示", "答案", "重置", "◀ 上一步", "下一步 ▶"]
        # At 100 columns the toolbar has half the width: every button must still be on screen.
        for button in toolbar.query(Button):
            assert button.region.right <= toolbar.region.right, (str(button.label), button.region)
        footer = footer_line(app)
        for words in ("f5 运行", "f4 停止", "f2 提示", "f3 答案", "^n 下一步", "^o 上一步"):
            assert words in footer, footer
        shown = footer + " " + " ".join(labels)
        assert not english_words(shown), shown
        text = screen_text(app)
        assert "第 1/4 步 · 加法" in text and "已完成 0/4" in text
        assert "代码  （Enter 编辑 · F5 运行）" in text and "F5 运行单元 · Enter 编辑代码" in text
        assert "╭─ 输出 " in text and "期望" in text

        assert (await run_step(pilot)).passed
        assert "✓ 通过" in screen_text(app)
        await pilot.press("ctrl+n", "ctrl+n")  # the exercise
        await pilot.press("f3")
        await pilot.press("f2")
        await pilot.pause(0.2)
        assert "先自己试一次（F5）：尝试过一次后才能看答案。" in notifications(app)
        assert "提示 1/2：" in screen_text(app)
        assert "检查（在你的代码之后运行）" in screen_text(app)

        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: app.screen.is_modal, "the jump dialog")
        assert "跳到步骤  （Enter：跳转 · Esc：关闭）" in screen_text(app)
        await pilot.press("escape", "f1")
        await wait_for(pilot, lambda: app.screen.is_modal, "the help screen")
        help_text = rendered(app.screen.query_one("#help-body", Static))
        assert not english_words(help_text), help_text
        assert (
            "所有界面" in help_text
            and "代码单元编辑器" in help_text
            and "重跑到这一步" in help_text
        )


async def test_command_palette_lists_chinese_commands():
    async with running((100, 30), lang="zh", lesson_id="app-basics", fake=True) as (app, pilot):
        lesson = app.screen
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: app.screen is not lesson, "the command palette")
        await pilot.pause(0.5)
        text = screen_text(app)
        assert "搜索命令…" in text and "运行单元" in text and "F5 或 Ctrl+R" in text
        await pilot.press(
            *"interrupt"
        )  # English names find the Chinese entries too (no input method needed)
        await pilot.pause(0.5)
        assert "中断正在运行的单元" in screen_text(app)


async def test_training_screen_chrome_and_results_are_chinese():
    async with running((100, 30), lang="zh", fake=True) as (app, pilot):
        await pilot.press("t")
        await wait_for(
            pilot, lambda: type(app.screen).__name__ == "TrainingScreen", "the training screen"
        )
        screen = app.screen
        await pilot.pause(0.3)
        footer = footer_line(app)
        for words in ("s 开始", "p 暂停/继续", "x 停止", "v 实时/结果", "esc 返回"):
            assert words in footer, footer
        assert not english_words(footer), footer
        labels = [str(label.content) for label in screen.query("#settings Label").results(Label)]
        assert labels == ["模型", "步数", "轮数", "批大小", "学习率", "动量", "线程", "进程数"]
        # The settings row fits 100 columns: every field is on screen and wide enough to read.
        for field in screen.query("#settings Input").results(Input):
            assert field.region.right <= 100 and field.region.width >= 4, (field.id, field.region)
        text = screen_text(app)
        for words in (
            "MNIST 训练",
            "实时",
            "结果",
            "轮次",
            "步数",
            "▶ 开始",
            "⏸ 暂停",
            "■ 停止",
            "状态 空闲",
        ):
            assert words in text, words

        screen.query_one("#set-steps", Input).value = "30"
        await pilot.press("s")
        await wait_for(
            pilot, lambda: screen.state.status == "done", "the training run", timeout=120
        )
        await pilot.pause(0.5)
        results = rendered(screen.query_one("#confusion", Static))
        assert "测试准确率" in results and "最常混淆" in results and "准确率" in results
        assert "混淆矩阵（行：真实数字，列：预测数字）" in results
        await pilot.press("v")  # back to the live view: the legend's Chinese labels keep the frame
        await pilot.pause(0.3)
        plot = screen.query_one("#loss-plot")
        drawn = plot.render()
        assert "每批" in drawn.plain and "测试" in drawn.plain
        assert all(cell_len(line) <= plot.size.width for line in drawn.plain.splitlines())
        stats = screen_text(app)
        assert "状态 完成" in re.sub(r" +", " ", stats) and "训练准确率" in stats


def test_zh_lesson_screen_snapshot(snap_compare):
    """The lesson screen at 100×30 in Chinese after a passing run (the toolbar's buttons all show)."""

    async def run_before(pilot):
        await wait_ready(pilot)
        assert (await run_step(pilot)).passed
        pilot.app.clear_notifications()
        await pilot.pause(0.2)

    app = make_app(lang="zh", lesson_id="app-basics")
    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


# --- the table covers what the code looks up -----------------------------------------------


def _literal_lookups() -> dict[str, str]:
    """Every ui(lang, "literal", context=...) in tutor/app: table key -> where."""
    found = {}
    for path in sorted(APP_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "ui"
                and len(node.args) > 1
            ):
                continue
            english = node.args[1]
            if isinstance(english, ast.Constant) and isinstance(english.value, str):
                context = next((k.value.value for k in node.keywords if k.arg == "context"), "")
                found[f"{context}|{english.value}" if context else english.value] = (
                    f"{path.name}:{node.lineno}"
                )
    return found


def _app_classes() -> list[type]:
    classes = []
    for info in pkgutil.walk_packages([str(APP_DIR)], "tutor.app."):
        module = importlib.import_module(info.name)
        classes += [
            obj
            for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, DOMNode) and obj.__module__ == info.name
        ]
    return classes


def _indirect_lookups() -> set[str]:
    """Strings the code passes to ui() through a variable: bindings, commands and the other tables."""
    from tutor.app.screens.help import EDITOR_KEYS, GENERAL_KEYS, TRAINING_KEYS
    from tutor.app.training.settings import FIELDS
    from tutor.app.widgets.code_cell import TITLE_EDITING, TITLE_OUTSIDE
    from tutor.app.widgets.expected_panel import HEADINGS
    from tutor.app.widgets.status_bar import _STATES
    from tutor.training.confusion import confusion_table

    keys = {
        binding.description
        for cls in _app_classes()
        for binding in vars(cls).get("BINDINGS", [])
        if binding.description
    }
    keys |= {
        text
        for command in LESSON_COMMANDS
        for text in (command.name, command.keys, command.button)
        if text
    }
    keys |= {text for pair in EDITOR_KEYS + GENERAL_KEYS + TRAINING_KEYS for text in pair}
    keys |= {text for _key, label, _default, _kind, tip in FIELDS for text in (label, tip)}
    keys |= set(HEADINGS.values()) | set(_STATES) | {TITLE_OUTSIDE, TITLE_EDITING}
    keys |= {"idle", "starting", "running", "paused", "stopped", "done", "error"}  # RunState.status
    table = confusion_table([[1] * 10] * 10)
    keys |= {str(table.title), str(table.columns[-1].header)}
    return keys


def test_every_looked_up_string_has_a_zh_entry():
    literal = _literal_lookups()
    assert len(literal) > 100  # the scan found the calls (a renamed helper would find none)
    missing = {key: where for key, where in literal.items() if key not in ZH}
    missing |= {key: "a table" for key in _indirect_lookups() if key not in ZH}
    assert not missing, missing


def test_zh_entries_keep_their_fields_and_are_used():
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in Formatter().parse(text) if name is not None}

    for english, chinese in ZH.items():
        assert fields(english.split("|", 1)[-1]) == fields(chinese), english
        assert chinese.strip(), english
    textual_commands = inspect.getsource(App.get_system_commands) + inspect.getsource(App.__init__)
    used = set(_literal_lookups()) | _indirect_lookups()
    unused = [
        key
        for key in ZH
        if key not in used
        and repr(key)[1:-1] not in textual_commands
        and f'"{key}"' not in textual_commands
    ]
    assert not unused, unused


def test_english_is_the_key_itself_and_other_languages_fall_back():
    text = "That was the last hint ({count})."
    assert ui("en", text, count=2) == "That was the last hint (2)."
    assert ui("fr", text, count=2) == "That was the last hint (2)."
    assert ui("zh", text, count=2) == "提示已全部显示（共 2 条）。"
    assert ui("zh", "batch") == "批大小" and ui("zh", "batch", context="plot") == "每批"
    with pytest.raises(i18n.MissingTranslation):
        ui("zh", "a string nobody wrote")
    assert ui("zh", "a string nobody wrote", required=False) == "a string nobody wrote"


def test_wide_labels_in_a_plot_keep_the_frame_in_place():
    from tutor.app.training.loss_plot import fit_wide

    line = "2.30┤ ⢕⢕ 每批      │"
    fixed = fit_wide(Text(f"{line}\nplain line\n"))
    first, second, _ = fixed.plain.split("\n")
    assert first == "2.30┤ ⢕⢕ 每批    │" and cell_len(first) == len(line)
    assert second == "plain line"
