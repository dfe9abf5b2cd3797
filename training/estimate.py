"""How long a training run will take, said before it takes it.

`StepTimer` is a Trainer callback: it times the first training steps (after `warmup` untimed ones, which
pay for allocations and kernel selection), then logs the estimate for the whole run: steps x s/step for
training, plus the dev evaluations and the passes after training (calibration, dev and test
evaluation, registration's parity check), whose cost per sequence is taken from the first measured
evaluation, or from `forward_s` when the caller measured it (`stance train --dry-run`), else guessed
as a third of a training step's per-sequence cost (a forward pass without the backward).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable, Optional

from transformers import TrainerCallback

logger = logging.getLogger(__name__)

WARMUP_STEPS = 2
TIMED_STEPS = 5
FORWARD_SHARE = 1 / 3
"""A forward pass costs about a third of forward + backward: the guess before an evaluation is measured."""


@dataclass
class RunEstimate:
    """The estimated wall-clock of a run and what it was computed from."""

    steps: int
    seconds_per_step: float
    train_minutes: float
    evaluations: int
    eval_sequences: int
    """Dev sequences read by one evaluation during training."""
    after_sequences: int
    """Sequences read after training (calibration, dev + test evaluation, int8 parity)."""
    seconds_per_eval_sequence: float
    eval_measured: bool
    total_minutes: float
    precision: str
    device: str
    threads: int

    def line(self) -> str:
        how = "measured" if self.eval_measured else "guessed"
        return (
            f"Estimate: {self.steps} steps x {self.seconds_per_step:.2f} s/step = {self.train_minutes:.1f} min of "
            f"training, + {self.evaluations} dev evaluations and the passes after training ({how} "
            f"{1000 * self.seconds_per_eval_sequence:.1f} ms per sequence): about {self.total_minutes:.0f} min in all "
            f"(precision {self.precision} on {self.device}, {self.threads} threads)."
        )


def estimate_run(
    steps: int,
    seconds_per_step: float,
    batch_size: int,
    evaluations: int,
    eval_sequences: int,
    after_sequences: int,
    precision: str,
    device: str,
    threads: int,
    seconds_per_eval_sequence: Optional[float] = None,
) -> RunEstimate:
    """The run's wall-clock from its step time and the evaluation work still to come."""
    measured = seconds_per_eval_sequence is not None
    per_sequence = seconds_per_eval_sequence if measured else FORWARD_SHARE * seconds_per_step / batch_size
    train_s = steps * seconds_per_step
    eval_s = per_sequence * (evaluations * eval_sequences + after_sequences)
    return RunEstimate(
        steps=steps,
        seconds_per_step=round(seconds_per_step, 3),
        train_minutes=round(train_s / 60, 1),
        evaluations=evaluations,
        eval_sequences=eval_sequences,
        after_sequences=after_sequences,
        seconds_per_eval_sequence=round(per_sequence, 5),
        eval_measured=measured,
        total_minutes=round((train_s + eval_s) / 60, 1),
        precision=precision,
        device=device,
        threads=threads,
    )


class StepTimer(TrainerCallback):
    """Times steps and evaluations of a Trainer run and logs the run's estimate once it is known.

    `context` holds what the estimate needs besides the timings (batch_size, evaluations,
    eval_sequences, after_sequences, precision, device, threads). With `stop_after_estimate` the run
    stops as soon as the estimate is made (the dry run). `on_estimate` receives each estimate."""

    def __init__(
        self,
        context: dict,
        stop_after_estimate: bool = False,
        on_estimate: Optional[Callable[[RunEstimate], None]] = None,
        warmup: int = WARMUP_STEPS,
        timed: int = TIMED_STEPS,
    ) -> None:
        self.context = dict(context)
        self.stop_after_estimate = stop_after_estimate
        self.on_estimate = on_estimate
        self.warmup, self.timed = warmup, timed
        self.durations: list[float] = []
        self.eval_seconds_per_sequence: Optional[float] = None
        self.estimate: Optional[RunEstimate] = None
        self._started = 0.0
        self._steps = 0
        self._eval_runtime = 0.0  # of the first round of dev evaluations (one call per dev set)
        self._eval_sets = 0

    def on_step_begin(self, args, state, control, **kwargs):
        self._started = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        self._steps += 1
        if self._steps > self.warmup:
            self.durations.append(time.perf_counter() - self._started)
        if len(self.durations) == self.timed and self.estimate is None:
            self._report(state.max_steps)
            if self.stop_after_estimate:
                control.should_training_stop = True
        return control

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        # Once per dev set; the first full round of evaluations replaces the guess with a measurement.
        runtime = sum(v for k, v in (metrics or {}).items() if k.endswith("_runtime"))
        if self.eval_seconds_per_sequence is None and runtime and self.estimate is not None:
            self._eval_runtime += runtime
            self._eval_sets += 1
            if self._eval_sets == self.context.get("eval_sets", 1):
                self.eval_seconds_per_sequence = self._eval_runtime / max(1, self.context["eval_sequences"])
                self._report(state.max_steps)
        return control

    def _report(self, steps: int) -> None:
        per_step = sorted(self.durations)[len(self.durations) // 2]  # the median: robust to one slow step
        keys = ("batch_size", "evaluations", "eval_sequences", "after_sequences", "precision", "device", "threads")
        self.estimate = estimate_run(
            steps, per_step, **{k: self.context[k] for k in keys},
            seconds_per_eval_sequence=self.eval_seconds_per_sequence or self.context.get("seconds_per_eval_sequence"),
        )
        logger.info(self.estimate.line())
        if self.on_estimate:
            self.on_estimate(self.estimate)

