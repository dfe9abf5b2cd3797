"""stance: who says what about whom in news text."""

from __future__ import annotations

__version__ = "0.1.0"
