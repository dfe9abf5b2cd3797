"""Article analyses in a process of their own (`AnalysisProcess`), so that a long one never holds the caller.

The service (stance.service) classifies on its worker's thread. An analysis run on that thread made every
/classify wait for it: a 100,000-character article held the worker for tens of seconds. Here analyses run
in one child process with its own classifier, spaCy pipeline and gazetteer, at a lower CPU priority
(`niceness`), one at a time in arrival order; the caller awaits the result and its thread stays free. The
child starts on the first analysis (or on `start`), so a service used only for /classify never pays its
start-up (a second classifier and spaCy: 5.1 s on 2 AVX-512 bf16 cores).

Input errors (`InputError`) raised in the child are raised again in the caller, unchanged. If the child
dies (killed, out of memory), the analyses it held fail with `AnalysisProcessError` and the next one
starts a fresh child.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Optional, Sequence

from stance.article.schema import AnalyzeRequest, ArticleAnalysis
from stance.errors import StanceError

ANALYSIS_NICENESS = 10
"""How much lower the child's CPU priority is than the caller's (os.nice): on a busy machine the
classifications of the service's worker get the cores first, and the analyses the time left over."""

_ANALYZER = None
"""The child's analyzer, built by `_start_child`."""


class AnalysisProcessError(StanceError):
    """The analysis process died or could not start (the error says why and what to do)."""


class AnalysisProcess:
    """Analyse articles in one child process (spawned: no state copied from the caller).

    `model_path` and `backend` are loaded in the child as `StanceClassifier.from_path` loads them, with
    the gazetteer at `gazetteer`; `max_tokens` bounds each call's tokens (`ArticleAnalyzer.max_tokens`).
    `analyze` is a coroutine; `submit` gives the future to block on.
    """

    def __init__(self, model_path: Path, backend: str, gazetteer: Path, niceness: int = ANALYSIS_NICENESS,
                 max_tokens: Optional[int] = None) -> None:
        self.options = (str(model_path), backend, str(gazetteer), niceness, max_tokens)
        self._executor: Optional[ProcessPoolExecutor] = None
        self._lock = threading.Lock()

    def start(self, warm: bool = False) -> Future:
        """Start the child now (and, with `warm`, run spaCy and the classifier once in it); the returned
        future is done when the child is ready."""
        text = "The minister said Iran welcomed the talks." if warm else None
        return self._pool().submit(_warm_child, text)

    @property
    def started(self) -> bool:
        return self._executor is not None

    def submit(self, requests: Sequence[AnalyzeRequest]) -> Future:
        """Queue `requests` for the child; the future holds their analyses, in order."""
        try:
            return self._pool().submit(_analyze_in_child, list(requests))
        except BrokenProcessPool:  # died between two analyses: start another
            self.close()
            return self._pool().submit(_analyze_in_child, list(requests))

    async def analyze(self, requests: Sequence[AnalyzeRequest]) -> list[ArticleAnalysis]:
        """The analyses of `requests`, in order. If the awaiting task is cancelled (a timed-out request),
        an analysis still queued is dropped; one already running finishes in the child."""
        future = self.submit(requests)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BrokenProcessPool as err:
            self.close()  # the next analysis starts a new child
            raise _died(err) from err

    def close(self) -> None:
        """Stop the child (analyses still queued are dropped); the next analysis starts a new one."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_child, initargs=self.options,
                )
            return self._executor


def _died(err: BaseException) -> AnalysisProcessError:
    return AnalysisProcessError(
        f"The article analysis process stopped before it answered ({err}): it was killed, ran out of memory or "
        "could not load the model. Fix: retry (a new process starts on the next analysis); if it happens again, "
        "look for the cause in the service log (the process's own errors are logged there), or analyse the "
        "article offline with `stance analyze`."
    )


def _start_child(model_path: str, backend: str, gazetteer: str, niceness: int, max_tokens: Optional[int]) -> None:
    """The child's initializer: lower its priority, load the classifier, spaCy and the gazetteer."""
    global _ANALYZER
    from stance.article.analyze import ArticleAnalyzer
    from stance.article.gazetteer import ActorGazetteer
    from stance.classifier import StanceClassifier

    if niceness and hasattr(os, "nice"):
        os.nice(niceness)
    classifier = StanceClassifier.from_path(Path(model_path), backend=backend)
    _ANALYZER = ArticleAnalyzer(classifier, ActorGazetteer.from_file(Path(gazetteer)), max_tokens=max_tokens)


def _warm_child(text: Optional[str]) -> None:
    if text:
        _ANALYZER.analyze(AnalyzeRequest(text=text))


def _analyze_in_child(requests: list[AnalyzeRequest]) -> list[ArticleAnalysis]:
    return _ANALYZER.analyze_many(requests)
