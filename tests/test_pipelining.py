"""`stance.pipelining.pipelined`: order, overlap of the two stages, errors after earlier results."""

from __future__ import annotations

import threading
import time

import pytest

from stance.pipelining import pipelined


def test_results_come_in_input_order_with_both_stages_applied() -> None:
    assert list(pipelined(range(5), lambda x: x * 10, lambda y: y + 1)) == [1, 11, 21, 31, 41]
    assert list(pipelined([], lambda x: x, lambda y: y)) == []


def test_the_next_prepare_runs_while_the_current_finish_runs() -> None:
    overlapped = threading.Event()
    finishing, finished = threading.Event(), threading.Event()

    def prepare(x: int) -> int:
        # Input 1 is prepared while input 0 is being finished: after finish(0) started, before it ended.
        if x == 1 and finishing.wait(5) and not finished.is_set():
            overlapped.set()
        return x

    def finish(x: int) -> int:
        if x == 0:
            finishing.set()
            time.sleep(0.2)
            finished.set()
        return x

    assert list(pipelined(range(3), prepare, finish)) == [0, 1, 2]
    assert overlapped.is_set()


def test_an_error_is_raised_after_the_earlier_results() -> None:
    def prepare(x: int) -> int:
        if x == 2:
            raise ValueError("bad input 2")
        return x

    got = []
    with pytest.raises(ValueError, match="bad input 2"):
        for value in pipelined(range(4), prepare, lambda y: y):
            got.append(value)
    assert got == [0, 1]
