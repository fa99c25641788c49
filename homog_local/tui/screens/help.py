"""Key bindings and reading notes."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

__all__ = ["HELP_TEXT", "HelpScreen"]

HELP_TEXT = """\
# homog-local

Measures **response homogenization**: N sampled answers per question are
clustered, and the **single-cluster rate (SCR)** is the share of questions
whose N samples form exactly one cluster. **B1** is the mean full-vocabulary
token entropy (nats) of the greedy answer. AUROC treats an incorrect answer
as the positive class, so a useful uncertainty signal scores above 0.5.

## Everywhere
| Key | Action |
|---|---|
| `?` or `F1` | this help |
| `Ctrl+T` | switch dark/light theme |
| `Escape` | back |
| `Ctrl+Q`, or `q` on the runs table | quit; running runs stop after the current sample |
| `Tab` / `Shift+Tab` | move focus; the mouse works too |

## Runs
| Key | Action |
|---|---|
| `n` | new run |
| `Enter` | open: results of a finished run, the monitor otherwise |
| `m` | monitor (also watches a run another `homog` process writes) |
| `r` | resume an interrupted or failed run |
| `x` | question explorer |
| `c` | compare the highlighted run with another |
| `e` | export a JSON summary to the data directory |
| `d` | delete (asks first) |
| `g` | reload the table |

## New run
Fields are checked as you type; a red line under a field says what is wrong
and the allowed range. `Ctrl+S` starts the run. The judge follows from the
dataset and is shown under it.

## Monitor
`c` cancels after the sample in flight (finished questions stay stored),
`r` resumes, `v` opens the results, `x` the explorer.

## Results
`1`–`4` switch between the summary, the cluster-count histogram, B1 entropy
of correct vs incorrect answers and the coverage–accuracy curves. Undefined
values read `undefined (n+=…, n−=…)` with the class counts, never `nan`.
The coverage–accuracy curve keeps the most certain questions first (lowest
signal value); ties keep question order.

## Explorer
Filter by single/multi-cluster, label, category and text. `k` switches the
clusterer used for grouping and for the cluster filter. Samples are grouped
and coloured by cluster. The greedy answer is coloured token by token by its
entropy (redder = less certain). Runs stored before token texts were kept get
approximate word colours, with tokens spread evenly over the words. The bar
line under it is exact, one bar per token (taller = higher entropy).

## Compare
Two runs side by side on the questions both finished (matched by text):
SCR and mean clusters per clusterer used by both.

Logs go to the log pane and to `tui.log` in the data directory.
"""


class HelpScreen(ModalScreen[None]):
    """Key bindings of every screen and how to read the numbers."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "close", "Close")]

    def compose(self) -> ComposeResult:
        """Build the widgets."""
        with VerticalScroll(id="help-body"):
            yield Markdown(HELP_TEXT)

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
