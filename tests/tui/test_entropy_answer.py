from __future__ import annotations

from homog_local.tui.widgets.entropy_answer import ENTROPY_LEVELS, render_entropy_tokens


def test_render_tokens_exact_styles() -> None:
    text = render_entropy_tokens([" Paris", " is", " nice", "."], [0.1, 5.0, 0.1, 0.1])
    assert text.plain == "Paris is nice."
    # The lowest level has no style, so only " is" carries a span.
    assert ENTROPY_LEVELS[0][1] == ""
    styles = [(span.start, span.end, str(span.style)) for span in text.spans]
    assert styles == [(5, 8, ENTROPY_LEVELS[-1][1])]


def test_render_tokens_empty_answer() -> None:
    assert render_entropy_tokens([], []).plain == "(empty answer)"
