"""Line chart of several named series drawn with textual-plotext."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot

__all__ = ["LinePlot"]


class LinePlot(PlotextPlot):
    """Lines of named (x, y) series on shared axes."""

    DEFAULT_CSS = """
    LinePlot {
        height: 1fr;
        min-height: 10;
    }
    """

    def show(
        self,
        series: dict[str, Sequence[tuple[float, float]]],
        *,
        title: str,
        xlabel: str,
        ylabel: str,
        ylim: tuple[float, float] | None = None,
    ) -> None:
        """Replace the plot with new lines and redraw."""
        plt = self.plt
        plt.clear_figure()
        plt.title(title)
        plt.xlabel(xlabel)
        plt.ylabel(ylabel)
        for name, points in series.items():
            if points:
                plt.plot(
                    [x for x, _ in points], [y for _, y in points], label=name, marker="braille"
                )
        if ylim is not None:
            plt.ylim(*ylim)
        self.refresh()
