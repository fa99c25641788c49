"""Prompt rendering for instruct (chat template) and base models."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BASE_STOP_STRINGS", "PROMPT_TEMPLATE", "RenderedPrompt", "render_prompt"]

PROMPT_TEMPLATE = "Answer the following question concisely:\n\nQ: {question}\nA:"

# A base model continues the Q/A pattern; the next question line ends its answer.
BASE_STOP_STRINGS = ("\nQ:",)


@dataclass(frozen=True)
class RenderedPrompt:
    """The exact text sent to the model.

    Parameters
    ----------
    text : str
        Rendered prompt, including chat-template markup when used.
    uses_chat_template : bool
        True when the model's chat template rendered the prompt.
    stop_strings : tuple of str
        Strings that end an answer (the answer is cut before them).
    """

    text: str
    uses_chat_template: bool
    stop_strings: tuple[str, ...]


def render_prompt(
    question: str,
    chat_template: str | None,
    *,
    bos_token: str = "",
    eos_token: str = "",
) -> RenderedPrompt:
    """Render the question prompt.

    Parameters
    ----------
    question : str
        Question text.
    chat_template : str or None
        Jinja chat template of an instruct model, or None for a base model,
        which gets the raw prompt and stops at the next ``Q:`` line.
    bos_token, eos_token : str
        Special token texts the template may reference.

    Returns
    -------
    RenderedPrompt
        Prompt text and stop strings.
    """
    user_text = PROMPT_TEMPLATE.format(question=question.strip())
    if chat_template is None:
        return RenderedPrompt(user_text, False, BASE_STOP_STRINGS)

    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    formatter = Jinja2ChatFormatter(
        template=chat_template, eos_token=eos_token, bos_token=bos_token
    )
    response = formatter(messages=[{"role": "user", "content": user_text}])
    return RenderedPrompt(response.prompt, True, ())
