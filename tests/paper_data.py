"""Location of the paper's released per-question results, read by the reproduction tests.

``HOMOG_PAPER_DATA`` names the folder; by default it is ``shared/data/paper``
beside the repository. Tests that need it skip when it is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

PAPER_DIR = Path(
    os.environ.get(
        "HOMOG_PAPER_DATA",
        Path(__file__).resolve().parents[2] / "shared" / "data" / "paper",
    )
)
