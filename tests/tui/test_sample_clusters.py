from __future__ import annotations

import pytest
from rich.color import Color
from rich.console import Console

from homog_local.tui.widgets.entropy_answer import ENTROPY_LEVELS
from homog_local.tui.widgets.sample_clusters import CLUSTER_COLOURS, render_sample_clusters


@pytest.mark.parametrize("colour", CLUSTER_COLOURS)
def test_cluster_colour_is_valid(colour) -> None:
    assert Color.parse(colour).name == colour


@pytest.mark.parametrize("style", [style for _, style in ENTROPY_LEVELS if style])
def test_entropy_style_is_valid(style) -> None:
    assert Color.parse(style.split()[-1]) is not None


def test_render_ten_clusters() -> None:
    texts = [f"answer number {i}" for i in range(10)]
    text = render_sample_clusters(texts, list(range(10)), "jaccard@0.4")
    console = Console(file=None, width=100, record=True)
    console.print(text)
    output = console.export_text()
    assert "answer number 9" in output
    assert output.count("cluster") >= 10
