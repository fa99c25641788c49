"""homog-local: measure response homogenization of local language models, offline."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
