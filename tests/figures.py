"""Figures tests want shown in the test run's output (chaos and hostile-input reports), printed at the end.

pytest captures what passing tests print; reports that CI must show go through here instead.
"""

from __future__ import annotations

FIGURES: list[tuple[str, str]] = []


def show(title: str, text: str) -> None:
    FIGURES.append((title, text))


def show_printed(title: str, print_report, report) -> None:
    """Show what ``print_report(report, say=…)`` prints (the chaos scripts' reports) under ``title``."""
    lines: list[str] = []
    print_report(report, say=lambda line="": lines.append(str(line)))
    show(title, "\n".join(lines))
