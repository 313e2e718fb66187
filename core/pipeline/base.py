"""What every stage runner shares: its environment, its outcomes, and the runner contract."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from core.catalog import Connection
from core.config import Paths, Settings
from core.pipeline.jobs import Job, StageDef
from core.pipeline.workers import ordered_map
from core.tasks import TaskState


@dataclass
class Outcome:
    job: Job
    write: Callable[[Connection], None] | None = None  # results; None: nothing to store
    error: str | None = None


@dataclass
class Env:
    registry: Any
    settings: Settings
    paths: Paths
    task: TaskState
    workers: int = 2
    low_priority: bool = True
    counters: dict = field(default_factory=dict)


class StageRunner:
    """Base: prepare() loads what the stage needs (raises ModelUnavailable), process() runs."""

    def __init__(self, stage: StageDef, env: Env, model_id: str):
        self.stage, self.env, self.model_id = stage, env, model_id

    def prepare(self) -> None:
        pass

    def process(self, jobs: Iterator[Job]) -> Iterator[list[Outcome]]:
        raise NotImplementedError

    def _prefetch(self, fn, jobs: Iterator[Job], depth: int):
        return ordered_map(fn, jobs, self.env.workers, depth, self.env.low_priority)
