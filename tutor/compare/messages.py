"""Provides say(): the comparison engine's reasons and diff notes in the learner's language."""

from __future__ import annotations

# Templates keyed by a short id. Fields hold what the learner's output or the lesson said (reprs,
# values, type and dtype names): they are filled in as they are, only the words around them change.
# English is the reference: tests pin these strings byte for byte.
EN: dict[str, str] = {
    # Any kind.
    "ran": "ran without error",
    "matches": "output matches",
    "with_note": "{reason} ({note})",
    "none": "none",  # no grad_fn, or a suffix one tensor lacks
    # text kind
    "line_differs": "line {line} differs: expected {expected}, got {got}",
    "ends_early": "output ends early: line {line} missing, expected {expected}",
    "extra_line": "unexpected extra output at line {line}: {got}",
    # regex kind
    "regex_matches": "output matches /{pattern}/",
    "regex_no_match": "output does not match /{pattern}/",
    "regex_invalid": "invalid pattern {pattern}: {error}",
    # tensor and shape kinds
    "unreadable_expected": "compared as text: could not read the tensor printed at line {line} of the expected output",
    "unreadable_actual": "compared as text: could not read the tensor printed at line {line} of the actual output",
    "no_tensor_expected": "compared as text: the expected output prints no tensor",
    "shapes_match": "shapes and dtypes match",
    "one_more": "{reason} (and 1 more difference)",
    "more": "{reason} (and {more} more differences)",
    "count_tensor": "expected 1 tensor, got {got}",
    "count_tensors": "expected {count} tensors, got {got}",
    "count_size": "expected 1 torch.Size, got {got}",
    "count_sizes": "expected {count} torch.Sizes, got {got}",
    "text_differs": "text differs at line {line}: expected {expected}, got {got}",
    "missing_output": "missing output at line {line}: expected {expected}",
    "unexpected_output": "unexpected output at line {line}: {got}",
    "number_differs": "number differs at line {line}: expected {expected}, got {got}",
    "size_differs": "size differs: expected {expected}, got {got}",
    "tensor_label": "tensor {number} of {total}: ",
    "shape_differs": "{label}shape differs: expected {expected}, got {got}",
    "dtype_differs": "{label}dtype differs: expected {expected}, got {got}",
    "value_differs": "{label}value differs: expected {expected}, got {got}",
    "value_differs_at": "{label}value differs at [{index}]: expected {expected}, got {got}",
    # requires_grad, grad_fn, device and any other suffix (layout=, scale=, ...)
    "suffix_differs": "{label}{name} differs: expected {expected}, got {got}",
    # error kind
    "no_error_row": "(no error)",
    "unknown_error": "an unknown error",
    "expected_raise_ran": "expected {want} to be raised, but the cell ran without error",
    "expected_but": "expected {want}, but the cell {state}",
    "wrong_error": "expected {want}, got {raised}",
    "wrong_error_message": "expected {want}, got {raised}: {message}",
    "message_pattern_invalid": "invalid message pattern {pattern}: {error}",
    "message_no_match": "{raised} raised, but its message does not match /{pattern}/: {message}",
    "raised_as_expected": "raised {raised} as expected",
    "known_rename": "{reason} (a known rename of {want} between torch versions)",
    # a cell that did not end normally (status.py)
    "an_error": "an error",
    "status_raised": "raised {name}",
    "status_raised_detail": "raised {name}: {detail}",
    "status_timeout": "timed out",
    "status_timeout_detail": "timed out ({detail})",
    "status_interrupted": "was interrupted",
    "status_crashed": "crashed",
    "status_crashed_detail": "crashed ({detail})",
    "status_limit": "hit a resource limit",
    "status_limit_detail": "hit a resource limit: {detail}",
    "status_other": "ended with status {status}",
    # diff note rows
    "rows_not_shown": "... ({count} more lines not shown)",
    "rows_matching": "... ({count} matching lines)",
}

# In the style of tutor.judge's and tutor.app.i18n_zh's Chinese: full-width punctuation around
# the words; "tensor", "dtype", "torch.Size" and the names in fields stay as code writes them.
ZH: dict[str, str] = {
    "ran": "运行成功，没有错误",
    "matches": "输出与期望一致",
    "with_note": "{reason}（{note}）",
    "none": "无",
    "line_differs": "第 {line} 行不同：期望 {expected}，实际 {got}",
    "ends_early": "输出提前结束：缺少第 {line} 行，期望 {expected}",
    "extra_line": "从第 {line} 行起有多余的输出：{got}",
    "regex_matches": "输出匹配 /{pattern}/",
    "regex_no_match": "输出不匹配 /{pattern}/",
    "regex_invalid": "匹配模式 {pattern} 无效：{error}",
    "unreadable_expected": "按文本比较：期望输出第 {line} 行打印的 tensor 无法解析",
    "unreadable_actual": "按文本比较：你的输出第 {line} 行打印的 tensor 无法解析",
    "no_tensor_expected": "按文本比较：期望输出中没有打印 tensor",
    "shapes_match": "形状和 dtype 都与期望一致",
    "one_more": "{reason}（另有 1 处不同）",
    "more": "{reason}（另有 {more} 处不同）",
    "count_tensor": "期望 1 个 tensor，实际有 {got} 个",
    "count_tensors": "期望 {count} 个 tensor，实际有 {got} 个",
    "count_size": "期望 1 个 torch.Size，实际有 {got} 个",
    "count_sizes": "期望 {count} 个 torch.Size，实际有 {got} 个",
    "text_differs": "第 {line} 行文字不同：期望 {expected}，实际 {got}",
    "missing_output": "第 {line} 行缺少输出：期望 {expected}",
    "unexpected_output": "第 {line} 行有多余的输出：{got}",
    "number_differs": "第 {line} 行的数值不同：期望 {expected}，实际 {got}",
    "size_differs": "torch.Size 不同：期望 {expected}，实际 {got}",
    "tensor_label": "第 {number} 个 tensor（共 {total} 个）：",
    "shape_differs": "{label}形状不同：期望 {expected}，实际 {got}",
    "dtype_differs": "{label}dtype 不同：期望 {expected}，实际 {got}",
    "value_differs": "{label}数值不同：期望 {expected}，实际 {got}",
    "value_differs_at": "{label}[{index}] 处的数值不同：期望 {expected}，实际 {got}",
    "suffix_differs": "{label}{name} 不同：期望 {expected}，实际 {got}",
    "no_error_row": "（没有报错）",
    "unknown_error": "未知错误",
    "expected_raise_ran": "期望抛出 {want}，但代码运行时没有报错",
    "expected_but": "期望抛出 {want}，但代码{state}",
    "wrong_error": "期望抛出 {want}，实际抛出了 {raised}",
    "wrong_error_message": "期望抛出 {want}，实际抛出了 {raised}：{message}",
    "message_pattern_invalid": "报错信息的匹配模式 {pattern} 无效：{error}",
    "message_no_match": "抛出了 {raised}，但报错信息不匹配 /{pattern}/：{message}",
    "raised_as_expected": "按预期抛出了 {raised}",
    "known_rename": "{reason}（{want} 在不同 torch 版本间的已知改名）",
    # Worded to read both alone and after "但代码" (expected_but).
    "an_error": "错误",
    "status_raised": "抛出了 {name}",
    "status_raised_detail": "抛出了 {name}：{detail}",
    "status_timeout": "运行超时",
    "status_timeout_detail": "运行超时（{detail}）",
    "status_interrupted": "运行被中断",
    "status_crashed": "运行崩溃",
    "status_crashed_detail": "运行崩溃（{detail}）",
    "status_limit": "超出了资源限制",
    "status_limit_detail": "超出了资源限制：{detail}",
    "status_other": "以状态 {status} 结束",
    "rows_not_shown": "...（另有 {count} 行未显示）",
    "rows_matching": "...（{count} 行相同）",
}

MESSAGES: dict[str, dict[str, str]] = {"en": EN, "zh": ZH}


def say(lang: str, key: str, **fields: object) -> str:
    """The message ``key`` in ``lang`` (English for a language or key it lacks), filled in."""
    template = MESSAGES.get(lang, EN).get(key) or EN[key]
    return template.format(**fields)
