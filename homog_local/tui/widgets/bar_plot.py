"""Grouped bar chart drawn with textual-plotext."""

from __future__ import annotations

from collections.abc import Sequence

from textual_plotext import PlotextPlot

__all__ = ["BarPlot"]


class BarPlot(PlotextPlot):
    """Bars of one or more named series over shared categories."""

    DEFAULT_CSS = """
    BarPlot {
        height: 1fr;
        min-height: 10;
    }
    """

    def show(
        self,
        categories: Sequence[str],
        series: dict[str, Sequence[float]],
        *,
        title: str,
        xlabel: str,
        ylabel: str,
    ) -> None:
        """Replace the plot with new bars and redraw."""
        plt = self.plt
        plt.clear_figure()
        plt.title(title)
        plt.xlabel(xlabel)
        plt.ylabel(ylabel)
        if categories and series:
            names = list(series)
            if len(names) == 1:
                plt.bar(list(categories), list(series[names[0]]), label=names[0])
            else:
                plt.multiple_bar(list(categories), [list(series[n]) for n in names], labels=names)
        self.refresh()
