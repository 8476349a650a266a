"""Provides LessonList: chapters and lessons in order, with progress, prerequisites and load errors."""

from __future__ import annotations

import re

from rich.console import Group
from rich.padding import Padding
from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from tutor.app.i18n import ui
from tutor.lessons.loader import Catalog, LoadedLesson
from tutor.lessons.model import tr
from tutor.progress import ProgressStore

ERROR_PREFIX = "error:"


def lesson_progress(progress: ProgressStore, loaded: LoadedLesson) -> tuple[int, int]:
    total = len(loaded.lesson.steps)
    done = len({i for i in progress.done(loaded.lesson.id) if 0 <= i < total})
    return done, total


def lesson_number(loaded: LoadedLesson) -> str:
    """The lesson's number as the list shows it: its ``order``, two digits ("01", "12", "02.5")."""
    order = loaded.lesson.order
    whole = int(order)
    return f"{whole:02d}" if order == whole else f"{whole:02d}{str(order - whole)[1:]}"


_NUMBER = re.compile(r"[/#]?(\d+(?:\.\d+)?)")


def _number(word: str) -> float | None:
    """A query word that is a lesson number ("01", "1", "/01" typed after the search key)."""
    found = _NUMBER.fullmatch(word)
    return float(found.group(1)) if found else None


def _matches(loaded: LoadedLesson, query: str, lang: str) -> bool:
    """Every word of ``query`` is in the lesson's texts, or is its number (then by value)."""
    lesson = loaded.lesson
    haystack = " ".join(
        [
            lesson.id,
            tr(lesson.title, lang),
            tr(lesson.title, "en"),
            tr(lesson.chapter, lang),
            tr(lesson.summary, lang),
            tr(lesson.summary, "en"),
        ]
    ).lower()
    for word in query.lower().split():
        number = _number(word)
        if number is not None and number == lesson.order:
            continue
        if number is not None or word not in haystack:
            return False
    return True


class LessonList(OptionList):
    """An option per lesson (id = lesson id); chapter headings and broken files are not selectable."""

    DEFAULT_CSS = """
    LessonList {
        height: 1fr;
        border: none;
        padding: 0 1;
    }
    """

    def show(self, catalog: Catalog, progress: ProgressStore, lang: str, query: str = "") -> int:
        """Fill the list; the number of lessons shown."""
        highlighted = self.highlighted_option.id if self.highlighted_option else None
        self.clear_options()
        titles = {item.lesson.id: tr(item.lesson.title, lang) for item in catalog.lessons}
        shown = 0
        chapter = None
        options: list[Option | None] = []
        for loaded in catalog.lessons:
            if query and not _matches(loaded, query, lang):
                continue
            name = tr(loaded.lesson.chapter, lang)
            if name != chapter:
                chapter = name
                options.append(Option(Text(name, style="bold underline"), disabled=True))
            options.append(
                Option(self._prompt(loaded, progress, lang, titles), id=loaded.lesson.id)
            )
            shown += 1
        broken = [e for e in catalog.errors if not e.loaded]
        if broken and not query:
            options.append(
                Option(
                    Text(ui(lang, "Lessons that failed to load"), style="bold underline red"),
                    disabled=True,
                )
            )
            for i, error in enumerate(broken):
                prompt = Text.assemble(
                    ("  ⚠ ", "bold red"), (error.path.name, "bold"), ": ", (error.message, "red")
                )
                options.append(Option(prompt, id=f"{ERROR_PREFIX}{i}", disabled=True))
        if not shown and query:
            options.append(
                Option(
                    Text(ui(lang, "No lesson matches '{query}'.", query=query), style="italic"),
                    disabled=True,
                )
            )
        self.add_options(options)
        if highlighted and any(o and o.id == highlighted for o in options):
            self.highlighted = self.get_option_index(highlighted)
        return shown

    def first_lesson(self, query: str = "") -> str | None:
        """The lesson a search's Enter opens: the one whose id is ``query``, else the first listed.

        ("cnn" opens the lesson with that id even when an earlier lesson mentions CNNs.)
        """
        listed = [option.id for option in self.options if option.id and not option.disabled]
        wanted = query.strip().lower()
        return wanted if wanted in listed else (listed[0] if listed else None)

    def has_lesson(self, lesson_id: str) -> bool:
        try:
            self.get_option_index(lesson_id)
        except OptionDoesNotExist:
            return False
        return True

    def _prompt(
        self, loaded: LoadedLesson, progress: ProgressStore, lang: str, titles: dict[str, str]
    ) -> Group:
        lesson = loaded.lesson
        done, total = lesson_progress(progress, loaded)
        mark = ("✓", "bold green") if done == total else (("◐", "yellow") if done else ("○", "dim"))
        title = Text.assemble(
            "  ",
            mark,
            " ",
            (lesson_number(loaded), "dim"),
            "  ",
            (tr(lesson.title, lang), "bold"),
            (f"  {done}/{total}", "green" if done == total else "dim"),
        )
        # Indented as a block, so wrapped lines stay under the title.
        indent = 6 + len(lesson_number(loaded)) + 2  # under the title, past the number
        summary = Text(tr(lesson.summary, lang).strip(), style="dim")
        lines = [title, Padding(summary, (0, 0, 0, indent))]
        if lesson.requires:
            needs = []
            for req in lesson.requires:
                finished = req in titles and self._finished(progress, req)
                needs.append(f"{titles.get(req, req)}{' ✓' if finished else ''}")
            lines.append(
                Padding(
                    Text(
                        ui(lang, "needs: {lessons}", lessons=ui(lang, ", ").join(needs)),
                        style="italic",
                    ),
                    (0, 0, 0, indent),
                )
            )
        return Group(*lines)

    def _finished(self, progress: ProgressStore, lesson_id: str) -> bool:
        loaded = self.app.catalog.get(lesson_id)
        return loaded is not None and lesson_progress(progress, loaded)[0] == len(
            loaded.lesson.steps
        )
