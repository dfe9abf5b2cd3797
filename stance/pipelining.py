"""Two-stage pipelining: the next batch's first stage runs in a background thread during the current
batch's second stage.

Article analysis has a single-threaded stage (spaCy + rules) and a stage that runs on every core
(the classifier, ONNX Runtime releasing the GIL). Overlapping them keeps both cores busy.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Iterable, Iterator, Optional, TypeVar

In = TypeVar("In")
Mid = TypeVar("Mid")
Out = TypeVar("Out")


def pipelined(inputs: Iterable[In], prepare: Callable[[In], Mid], finish: Callable[[Mid], Out]) -> Iterator[Out]:
    """`finish(prepare(x))` for each input, in order; `prepare` of input i+1 runs while `finish` of
    input i runs. `inputs` is consumed in the caller's thread; an error in either stage is raised
    here, after the results of every earlier input have been yielded."""
    with ThreadPoolExecutor(1, thread_name_prefix="stance-prepare") as pool:
        pending: Optional[Future] = None
        for item in inputs:
            following = pool.submit(prepare, item)
            if pending is not None:
                yield finish(pending.result())
            pending = following
        if pending is not None:
            yield finish(pending.result())
