"""Figures tests want shown in the test run's output (chaos and hostile-input reports), printed at the end.

pytest captures what passing tests print; reports that CI must show go through here instead.
"""

from __future__ import annotations

FIGURES: list[tuple[str, str]] = []


def show(title: str, text: str) -> None:
    FIGURES.append((title, text))
