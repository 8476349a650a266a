"""Provides lesson format v1 as typed msgspec structs; msgspec does all validation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

FORMAT_VERSION = 1
LANGUAGES = ("en", "zh")

LessonId = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=80)]


class Translations(Struct, forbid_unknown_fields=True):
    """A text in several languages; English is required."""

    en: str
    zh: str | None = None


# A plain string is English only.
Text = str | Translations


def tr(text: Text | None, lang: str = "en") -> str:
    """The text in ``lang``, falling back to English."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return getattr(text, lang, None) or text.en


def has_lang(text: Text | None, lang: str) -> bool:
    if text is None:
        return True
    if isinstance(text, str):
        return lang == "en"
    return bool(getattr(text, lang, None))


class _Expect(Struct, tag_field="kind", forbid_unknown_fields=True):
    """Base of every expectation; ``kind`` picks the subclass."""


class TextExpect(_Expect, tag="text"):
    """Exact text, trailing whitespace ignored."""

    output: str


class TensorExpect(_Expect, tag="tensor"):
    """Printed tensors compared by value (rtol/atol), shape and dtype; other text exactly."""

    output: str
    rtol: float = 1e-4
    atol: float = 1e-6
    # Off by default so a recorded cpu run also passes on cuda and vice versa.
    check_device: bool = False
    check_grad_fn: bool = False


class ShapeExpect(_Expect, tag="shape"):
    """Only the shapes and dtypes of printed tensors count (for random values)."""

    output: str


class RegexExpect(_Expect, tag="regex"):
    """The whole output must match ``pattern`` (re.search, DOTALL|MULTILINE).

    ``example`` is an output that passes, shown to the learner instead of the bare pattern; it must
    match the pattern, so it cannot drift from what the step accepts.
    """

    pattern: str
    example: str | None = None

    def __post_init__(self) -> None:
        if self.example is None:
            return
        try:
            found = re.search(self.pattern, self.example, re.DOTALL | re.MULTILINE)
        except re.error:
            return  # an invalid pattern is lint's to report, with its position
        if found is None:
            raise ValueError(
                "`example` does not match `pattern`; expected an output the pattern accepts"
            )


class ErrorExpect(_Expect, tag="error"):
    """The cell must raise ``type`` (or a known rename) with a message matching ``match``."""

    type: str
    match: str = ""


class OkExpect(_Expect, tag="ok"):
    """The cell must run without error; output is not compared."""


Expectation = TextExpect | TensorExpect | ShapeExpect | RegexExpect | ErrorExpect | OkExpect


class Step(Struct, forbid_unknown_fields=True, kw_only=True):
    """One step: explanation, then a demo cell or an exercise."""

    text: Text
    title: Text | None = None
    # Demo: code the learner can run and edit, judged by ``expect``.
    code: str | None = None
    expect: Expectation | None = None
    # Exercise: the learner edits ``starter``; ``check`` (assertions) runs after their code.
    starter: str | None = None
    solution: str | None = None
    check: str | None = None
    # Known wrong answers: `check` proves each one fails the check (one that passes is an error).
    wrong: list[str] = []
    # What the lesson screen's Checks panel shows: only the check's messages, or its source too.
    check_display: Literal["messages", "source"] = "messages"
    hints: list[Text] = []
    # Seconds for this step's cells; None takes the interpreter's default.
    timeout: Annotated[float, Meta(gt=0, le=3600)] | None = None
    needs_cuda: bool = False
    # The step's cells use TCP on 127.0.0.1 (torch.distributed's gloo): they run only where the
    # worker has a private loopback-only network (tutor.interpreter.netns); elsewhere skipped.
    needs_loopback: bool = False

    def __post_init__(self) -> None:
        if self.check is not None:
            if self.solution is None:
                raise ValueError("an exercise (a step with `check`) needs a `solution`")
            if self.code is not None:
                raise ValueError("an exercise uses `starter`, not `code`")
        elif self.starter is not None or self.solution is not None or self.wrong:
            raise ValueError(
                "`starter`/`solution`/`wrong` need a `check` (assertions that judge the cell)"
            )
        if self.expect is not None and self.code is None and self.check is None:
            raise ValueError("`expect` needs `code` to run")

    @property
    def is_exercise(self) -> bool:
        return self.check is not None

    @property
    def runnable(self) -> bool:
        return self.code is not None or self.check is not None

    @property
    def cell(self) -> str:
        """What the editable cell starts with."""
        if self.is_exercise:
            return self.starter or ""
        return self.code or ""


class Lesson(Struct, forbid_unknown_fields=True, kw_only=True):
    """A lesson file (format v1)."""

    format_version: Annotated[int, Meta(ge=FORMAT_VERSION, le=FORMAT_VERSION)]
    id: LessonId
    title: Text
    chapter: Text
    order: float
    summary: Text
    steps: Annotated[list[Step], Meta(min_length=1)]
    requires: list[LessonId] = []
    # Hidden code run in the lesson's namespace before every step's cell and check (imports,
    # helpers for checks); the learner never sees it, but its names are visible to cells.
    setup: str | None = None

    def texts(self) -> Iterator[tuple[str, Text]]:
        """Every translatable text field with its path, for lint's language checks."""
        yield "title", self.title
        yield "chapter", self.chapter
        yield "summary", self.summary
        for i, step in enumerate(self.steps):
            yield f"steps[{i}].text", step.text
            if step.title is not None:
                yield f"steps[{i}].title", step.title
            for j, hint in enumerate(step.hints):
                yield f"steps[{i}].hints[{j}]", hint


def lesson_from_data(data: dict[str, Any]) -> Lesson:
    """Validate parsed TOML into a Lesson; raises msgspec.ValidationError with a field path."""
    return msgspec.convert(data, Lesson)
