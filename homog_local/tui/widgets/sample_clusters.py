"""Sampled answers grouped by cluster, one colour per cluster."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

__all__ = ["CLUSTER_COLOURS", "SampleClusters"]

# Rich colour names that stay readable on both the dark and the light theme.
CLUSTER_COLOURS = (
    "dodger_blue2",
    "dark_orange3",
    "green4",
    "magenta3",
    "red3",
    "dark_cyan",
    "gold3",
    "purple3",
)


class SampleClusters(Static):
    """Samples of one question under one clusterer, largest cluster first."""

    DEFAULT_CSS = """
    SampleClusters {
        height: auto;
    }
    """

    def show(self, texts: Sequence[str], assignments: Sequence[int] | None, method: str) -> None:
        """Render samples grouped by their cluster ids (ungrouped when assignments is None)."""
        self.update(render_sample_clusters(texts, assignments, method))


def render_sample_clusters(
    texts: Sequence[str], assignments: Sequence[int] | None, method: str
) -> Text:
    """Build the grouped, coloured text of a question's samples."""
    out = Text()
    if not texts:
        out.append("no samples stored yet", style="italic")
        return out
    if assignments is None or len(assignments) != len(texts):
        out.append(
            f"{len(texts)} samples, not clustered under {method or 'this method'}\n", style="italic"
        )
        for index, text in enumerate(texts):
            out.append(f"  {index + 1:>2}. {_one_line(text)}\n")
        return out
    members: dict[int, list[int]] = {}
    for index, cluster in enumerate(assignments):
        members.setdefault(cluster, []).append(index)
    ranked = sorted(members.items(), key=lambda item: (-len(item[1]), item[0]))
    out.append(f"{len(texts)} samples in {len(ranked)} cluster(s) under {method}\n", style="bold")
    for rank, (_, indexes) in enumerate(ranked):
        colour = CLUSTER_COLOURS[rank % len(CLUSTER_COLOURS)]
        out.append(f"■ cluster {rank + 1} ({len(indexes)}/{len(texts)})\n", style=f"bold {colour}")
        for index in indexes:
            out.append(f"  {index + 1:>2}. ", style=colour)
            out.append(f"{_one_line(texts[index])}\n", style=colour)
    return out


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if flat else "(empty answer)"
