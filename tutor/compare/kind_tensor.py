"""Provides the `tensor` kind (values within rtol/atol, shape, dtype) and the `shape` kind."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .align import opcodes
from .diff import build_diff, tensor_key
from .kind_text import clip, compare_text
from .messages import say
from .model import Span, Verdict
from .numeric import close, fmt_value
from .scan import Token, line_of, scan
from .tensor_repr import Element, SizeRepr, TensorRepr

# Suffixes with their own rule below; any other (layout=, nnz=, ...) must be equal.
_HANDLED = {"device", "dtype", "grad_fn", "requires_grad", "size"}
# The machine epsilon of dtypes too coarse for the default rtol: the least tolerance used.
_LOW_PRECISION_RTOL = {"torch.float16": 2.0**-10, "torch.bfloat16": 2.0**-7}


@dataclass(frozen=True)
class Options:
    rtol: float = 1e-4
    atol: float = 1e-6
    check_device: bool = False
    check_grad_fn: bool = False
    shapes_only: bool = False


def compare_tensor_output(
    expected: str, actual: str, options: Options, *, lang: str = "en"
) -> Verdict:
    """Compare two outputs: printed tensors by value, the text around them word by word."""
    exp_scan, act_scan = scan(expected), scan(actual)
    for which, text, sc in (("expected", expected, exp_scan), ("actual", actual, act_scan)):
        if sc.unparsed:
            line = line_of(text, sc.unparsed[0])
            note = say(lang, f"unreadable_{which}", line=line)
            return compare_text(expected, actual, note=note, lang=lang)
    if options.shapes_only:
        exp_tokens = exp_scan.of_kind("tensor", "size")
        act_tokens = act_scan.of_kind("tensor", "size")
        if not exp_tokens:
            note = say(lang, "no_tensor_expected")
            return compare_text(expected, actual, note=note, lang=lang)
    else:
        exp_tokens, act_tokens = exp_scan.tokens, act_scan.tokens
    n_tensors = sum(t.kind == "tensor" for t in exp_tokens)
    judge = _Judge(expected, actual, options, n_tensors, lang=lang)
    judge.run(exp_tokens, act_tokens)
    if not judge.problems:
        return Verdict(True, say(lang, "shapes_match" if options.shapes_only else "matches"))
    reason = _count_reason(exp_tokens, act_tokens, lang) or judge.problems[0]
    more = len(judge.problems) - 1
    if more == 1:
        reason = say(lang, "one_more", reason=reason)
    elif more > 1:
        reason = say(lang, "more", reason=reason, more=more)
    diff = build_diff(expected, actual, judge.marks_e, judge.marks_a, key=tensor_key, lang=lang)
    return Verdict(False, reason, diff)


def _count_reason(exp: list[Token], act: list[Token], lang: str = "en") -> str | None:
    """A different number of tensors (or sizes) is the clearest thing to say first."""
    for kind in ("tensor", "size"):
        n, m = sum(t.kind == kind for t in exp), sum(t.kind == kind for t in act)
        if n != m:
            key = f"count_{kind}" if n == 1 else f"count_{kind}s"
            return say(lang, key, count=n, got=m)
    return None


@dataclass
class _Judge:
    expected: str
    actual: str
    options: Options
    n_tensors: int
    lang: str = "en"
    problems: list[str] = field(default_factory=list)
    marks_e: list[Span] = field(default_factory=list)
    marks_a: list[Span] = field(default_factory=list)
    _tensor_no: int = 0

    def run(self, exp: list[Token], act: list[Token]) -> None:
        for op, i1, i2, j1, j2 in opcodes([t.key for t in exp], [t.key for t in act]):
            if op == "equal":
                for e, a in zip(exp[i1:i2], act[j1:j2], strict=False):
                    self._pair(e, a)
            else:
                self._structure(op, exp[i1:i2], act[j1:j2])

    def _structure(self, op: str, exp: list[Token], act: list[Token]) -> None:
        self._tensor_no += sum(t.kind == "tensor" for t in exp)
        self.marks_e += [(t.start, t.end) for t in exp]
        self.marks_a += [(t.start, t.end) for t in act]
        e_text = clip(" ".join(t.text for t in exp))
        a_text = clip(" ".join(t.text for t in act))
        if op == "replace":
            line = line_of(self.expected, exp[0].start)
            self.problems.append(
                self._say("text_differs", line=line, expected=repr(e_text), got=repr(a_text))
            )
        elif op == "delete":
            line = line_of(self.expected, exp[0].start)
            self.problems.append(self._say("missing_output", line=line, expected=repr(e_text)))
        else:
            line = line_of(self.actual, act[0].start)
            self.problems.append(self._say("unexpected_output", line=line, got=repr(a_text)))

    def _say(self, key: str, **fields: object) -> str:
        return say(self.lang, key, **fields)

    def _pair(self, e: Token, a: Token) -> None:
        # Paired tokens have equal keys: the same kind, so values of the same type (words: None,
        # and equal keys mean the same text).
        ev, av = e.value, a.value
        if isinstance(ev, float) and isinstance(av, float):
            if not close(ev, av, self.options.rtol, self.options.atol):
                line = line_of(self.expected, e.start)
                self._problem(
                    self._say("number_differs", line=line, expected=e.text, got=a.text),
                    [(e.start, e.end)],
                    [(a.start, a.end)],
                )
        elif isinstance(ev, SizeRepr) and isinstance(av, SizeRepr):
            if ev.dims != av.dims:
                self._problem(
                    self._say("size_differs", expected=ev.text(), got=av.text()),
                    [(e.start, e.end)],
                    [(a.start, a.end)],
                )
        elif isinstance(ev, TensorRepr) and isinstance(av, TensorRepr):
            self._tensor_no += 1
            self._tensors(ev, av)

    def _problem(self, reason: str, marks_e: list[Span], marks_a: list[Span]) -> None:
        self.problems.append(reason)
        self.marks_e += marks_e
        self.marks_a += marks_a

    def _tensors(self, e: TensorRepr, a: TensorRepr) -> None:
        label = ""
        if self.n_tensors > 1:
            label = self._say("tensor_label", number=self._tensor_no, total=self.n_tensors)
        whole_e, whole_a = [(e.start, e.end)], [(a.start, a.end)]
        if not _same_shape(e, a):
            self._problem(
                self._say(
                    "shape_differs", label=label, expected=e.shape_text(), got=a.shape_text()
                ),
                whole_e,
                whole_a,
            )
            return
        if e.dtype != a.dtype:
            self._problem(
                self._say("dtype_differs", label=label, expected=e.dtype, got=a.dtype),
                _dtype_marks(e),
                _dtype_marks(a),
            )
            return
        if self.options.shapes_only:
            return
        self._values(e, a, label)
        self._suffixes(e, a, label)

    def _values(self, e: TensorRepr, a: TensorRepr, label: str) -> None:
        pairs: Iterable[tuple[Element, Element]]
        if [x.index for x in e.elements] == [x.index for x in a.elements]:
            pairs = zip(e.elements, a.elements, strict=False)
        else:
            # Both summarised, with different numbers of corner items shown.
            shown = {x.index: x for x in a.elements}
            pairs = ((x, shown[x.index]) for x in e.elements if x.index in shown)
        rtol, atol = self.options.rtol, self.options.atol
        # Half-precision results legitimately differ by an ulp between devices.
        rtol = max(rtol, _LOW_PRECISION_RTOL.get(e.dtype, 0.0))
        for x, y in pairs:
            if not close(x.value, y.value, rtol, atol, x.slack + y.slack):
                values = {"label": label, "expected": fmt_value(x.value), "got": fmt_value(y.value)}
                if x.index:
                    reason = self._say(
                        "value_differs_at", index=", ".join(map(str, x.index)), **values
                    )
                else:
                    reason = self._say("value_differs", **values)
                self._problem(
                    reason,
                    [(x.start, x.end)],
                    [(y.start, y.end)],
                )

    def _suffixes(self, e: TensorRepr, a: TensorRepr, label: str) -> None:
        # Whether a tensor tracks gradients always counts; which grad_fn made it only
        # when asked, since its name can change between torch versions.
        if e.requires_grad != a.requires_grad:
            self._problem(
                self._suffix("requires_grad", label, e.requires_grad, a.requires_grad),
                _suffix_marks(e, "grad_fn", "requires_grad"),
                _suffix_marks(a, "grad_fn", "requires_grad"),
            )
        elif self.options.check_grad_fn and e.grad_fn != a.grad_fn:
            self._problem(
                self._suffix("grad_fn", label, self._angle(e.grad_fn), self._angle(a.grad_fn)),
                _suffix_marks(e, "grad_fn", "requires_grad"),
                _suffix_marks(a, "grad_fn", "requires_grad"),
            )
        if self.options.check_device and e.device != a.device:
            self._problem(
                self._suffix("device", label, e.device, a.device),
                _suffix_marks(e, "device"),
                _suffix_marks(a, "device"),
            )
        for key in sorted((e.suffixes.keys() | a.suffixes.keys()) - _HANDLED):
            ev = e.suffixes.get(key, ("none",))[0]
            av = a.suffixes.get(key, ("none",))[0]
            if ev != av:
                shown_e = ev if key in e.suffixes else self._say("none")
                shown_a = av if key in a.suffixes else self._say("none")
                self._problem(
                    self._suffix(key, label, shown_e, shown_a),
                    _suffix_marks(e, key),
                    _suffix_marks(a, key),
                )

    def _suffix(self, name: str, label: str, expected: object, got: object) -> str:
        return self._say("suffix_differs", label=label, name=name, expected=expected, got=got)

    def _angle(self, name: str | None) -> str:
        return f"<{name}>" if name else self._say("none")


def _same_shape(e: TensorRepr, a: TensorRepr) -> bool:
    if len(e.shape) != len(a.shape):
        return False
    # A summarised dim only equals another summarised dim: torch summarises only
    # tensors of more than 1000 elements, so a fully printed one differs in size.
    return all(
        (x is None and y is None) or (x is not None and x == y)
        for x, y in zip(e.shape, a.shape, strict=False)
    )


def _suffix_marks(t: TensorRepr, *keys: str) -> list[Span]:
    """The suffix's span, or the closing parenthesis where the suffix is absent."""
    for key in keys:
        if key in t.suffixes:
            _, start, end = t.suffixes[key]
            return [(start, end)]
    return [(t.end - 1, t.end)]


def _dtype_marks(t: TensorRepr) -> list[Span]:
    """The dtype suffix, or the numbers themselves where torch implied the dtype by them."""
    if "dtype" in t.suffixes or not t.elements:
        return _suffix_marks(t, "dtype")
    return [(x.start, x.end) for x in t.elements]
