"""The greedy answer with token entropy as colour, plus an exact per-token sparkline."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Sparkline, Static

from homog_local.tui.data.questions import word_entropies

__all__ = ["ENTROPY_LEVELS", "EntropyAnswer", "render_entropy_tokens"]

# (upper bound in nats, style): darker/redder means the model was less certain.
ENTROPY_LEVELS: tuple[tuple[float, str], ...] = (
    (0.5, ""),
    (1.5, "yellow3"),
    (3.0, "dark_orange3"),
    (float("inf"), "bold red3"),
)


class EntropyAnswer(Vertical):
    """Greedy answer coloured by per-token entropy, with a per-token sparkline.

    Notes
    -----
    Runs store each greedy token's text, so tokens are coloured exactly.
    Runs stored before token texts were kept have entropies only; their word
    colours spread the tokens evenly over the words (see
    :func:`homog_local.tui.data.questions.word_entropies`) and are
    approximate. The sparkline is exact either way: one bar per token.
    """

    DEFAULT_CSS = """
    EntropyAnswer {
        height: auto;
    }
    EntropyAnswer > Sparkline {
        height: 2;
        margin: 0 0 0 0;
    }
    EntropyAnswer > .entropy-caption {
        color: $text-muted;
    }
    """

    def compose(self) -> ComposeResult:
        """Build the widgets."""
        yield Static(id="entropy-text")
        yield Sparkline([], id="entropy-sparkline")
        yield Static(classes="entropy-caption", id="entropy-caption")

    def show(
        self,
        text: str,
        token_entropies: Sequence[float],
        token_texts: Sequence[str] = (),
    ) -> None:
        """Render an answer and its per-token entropies (nats).

        With ``token_texts`` aligned to the entropies, each token is coloured
        exactly; without them (runs stored before token texts were kept),
        words are coloured approximately.
        """
        exact = bool(token_texts) and len(token_texts) == len(token_entropies)
        rendered = (
            render_entropy_tokens(token_texts, token_entropies)
            if exact
            else render_entropy_words(text, token_entropies)
        )
        self.query_one("#entropy-text", Static).update(rendered)
        self.query_one(Sparkline).data = list(token_entropies)
        if token_entropies:
            mean = sum(token_entropies) / len(token_entropies)
            colours = (
                "token colours: exact"
                if exact
                else "word colours: approximate (tokens spread evenly over words)"
            )
            caption = (
                f"{len(token_entropies)} tokens, mean {mean:.2f} nats, max "
                f"{max(token_entropies):.2f} nats; bars: exact per token; {colours}"
            )
        else:
            caption = "no token entropies (empty answer)"
        self.query_one("#entropy-caption", Static).update(caption)


def render_entropy_tokens(token_texts: Sequence[str], token_entropies: Sequence[float]) -> Text:
    """Colour each token's text by its entropy level."""
    out = Text()
    for index, (piece, entropy) in enumerate(zip(token_texts, token_entropies, strict=True)):
        out.append(piece.lstrip() if index == 0 else piece, style=_style_for(entropy))
    if not out.plain:
        out.append("(empty answer)", style="italic")
    return out


def render_entropy_words(text: str, token_entropies: Sequence[float]) -> Text:
    """Colour each word of text by its approximate entropy level."""
    out = Text()
    pairs = word_entropies(text, token_entropies)
    if not pairs:
        out.append("(empty answer)", style="italic")
        return out
    for index, (word, entropy) in enumerate(pairs):
        if index:
            out.append(" ")
        out.append(word, style=_style_for(entropy))
    return out


def _style_for(entropy: float | None) -> str:
    if entropy is None:
        return ""
    for upper, style in ENTROPY_LEVELS:
        if entropy < upper:
            return style
    return ENTROPY_LEVELS[-1][1]
