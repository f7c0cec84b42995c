"""Collects benchmark figures during the run and prints them as tables at the end.

Every figure is printed, none is asserted: wall-clock and CPU figures depend on
the machine. Tables are Markdown so they can be pasted into docs/performance.md.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
import statistics
from typing import Any


@dataclass
class Table:
    """One section of the report: a title, a header row, rows and notes."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: Any) -> None:
        """Add a row; cells are formatted with ``str``."""
        self.rows.append([str(cell) for cell in cells])

    def note(self, text: str) -> None:
        """Add a note printed under the table (once)."""
        if text not in self.notes:
            self.notes.append(text)

    def render(self) -> list[str]:
        """Return the table as Markdown lines."""
        widths = [len(header) for header in self.headers]
        for row in self.rows:
            for index, cell in enumerate(row):
                widths[index] = max(widths[index], len(cell))

        def line(cells: Iterable[str]) -> str:
            padded = (
                cell.ljust(width) for cell, width in zip(cells, widths, strict=True)
            )
            return "| " + " | ".join(padded) + " |"

        lines = [f"### {self.title}", "", line(self.headers)]
        lines.append("|" + "|".join("-" * (width + 2) for width in widths) + "|")
        lines.extend(line(row) for row in self.rows)
        if not self.rows:
            lines.append("(no rows: the benchmark did not run or failed)")
        lines.extend(["", *(f"- {note}" for note in self.notes)] if self.notes else [])
        lines.append("")
        return lines


class Report:
    """All tables of one run, in the order they were first asked for."""

    def __init__(self) -> None:
        """Start empty."""
        self.header: list[str] = []
        self.tables: dict[str, Table] = {}
        self.data: dict[str, Any] = {}
        self.finalizers: list[Callable[[Report], None]] = []

    def table(self, key: str, title: str, headers: list[str]) -> Table:
        """Return the table called ``key``, creating it on first use."""
        if key not in self.tables:
            self.tables[key] = Table(title, headers)
        return self.tables[key]

    def render(self) -> list[str]:
        """Run the finalizers (derived rows) and return every table as lines."""
        for finalize in self.finalizers:
            finalize(self)
        self.finalizers.clear()
        lines = [*self.header, ""] if self.header else []
        for key in sorted(self.tables):
            lines.extend(self.tables[key].render())
        return lines


REPORT = Report()


def median(values: Iterable[float]) -> float:
    """Return the median, or NaN for no values."""
    values = list(values)
    return statistics.median(values) if values else float("nan")


def ms(seconds: float) -> str:
    """Format seconds as milliseconds."""
    return f"{seconds * 1000:.2f} ms"


def kib(size: float) -> str:
    """Format bytes as KiB."""
    return f"{size / 1024:.1f} KiB"
