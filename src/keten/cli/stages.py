"""A live list of stages on stderr for long multi-step commands (``keten network import``).

Shown only when stderr is a terminal (nothing in pipes, files or CSV output), cleared when
the command ends. Each stage gets a line once it starts: a spinner while it runs and a tick
when done, a bar where the work knows its size (bytes of a file read), a detail and its own
time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console


def _size(done: int, total: int) -> str:
    unit, scale = ("MB", 1e6) if total >= 1e6 else ("kB", 1e3)
    return f"{done / scale:,.1f} / {total / scale:,.1f} {unit}"


@dataclass
class Stages:
    """Reports stages by key: ``stages(key, done, total)`` starts ``key`` (finishing those
    before it) and sets its progress; ``stages.note(key, text)`` sets its detail."""

    bar: Any = None
    tasks: dict[str, Any] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    started: set[str] = field(default_factory=set)

    def __call__(self, stage: str, done: int | None = None, total: int | None = None) -> None:
        if self.bar is None or stage not in self.tasks:
            return
        for key in self.order[:self.order.index(stage)]:
            self._finish(key)
        task = self.tasks[stage]
        if stage not in self.started:
            self._start(stage)
        if total:
            self.bar.update(task, total=total, completed=done or 0,
                            detail=_size(done or 0, total))

    def _start(self, key: str) -> None:
        self.started.add(key)
        self.bar.start_task(self.tasks[key])
        self.bar.update(self.tasks[key], visible=True)

    def note(self, stage: str, text: str) -> None:
        if self.bar is not None and stage in self.tasks:
            self.bar.update(self.tasks[stage], detail=text)

    def _finish(self, key: str) -> None:
        task = self.tasks[key]
        if key not in self.started:
            self._start(key)
        if not self.bar.tasks[task].finished:
            total = self.bar.tasks[task].total or 1
            self.bar.update(task, total=total, completed=total)

    def finish_all(self) -> None:
        if self.bar is not None:
            for key in self.order:
                if key in self.started:
                    self._finish(key)


@contextmanager
def stage_progress(stages: Sequence[tuple[str, str]],
                   console: Console | None = None) -> Iterator[Stages]:
    """Yield a :class:`Stages` for ``stages`` (key, label), live on a terminal only."""
    err = console or Console(stderr=True)
    if not err.is_terminal:
        yield Stages()
        return
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(SpinnerColumn(finished_text="[green]✓[/]"),
                  TextColumn("{task.description}"), BarColumn(bar_width=20),
                  TextColumn("{task.fields[detail]}"), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        tasks = {key: bar.add_task(label, start=False, total=None, detail="", visible=False)
                 for key, label in stages}
        report = Stages(bar, tasks, [key for key, _ in stages])
        yield report
        report.finish_all()
