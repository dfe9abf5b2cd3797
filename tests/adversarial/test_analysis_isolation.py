"""A slow analysis never holds /classify, and analyses beyond the limit are refused at once (issue: hardening).

A real `bentoml serve` with STANCE_MAX_ANALYSES=1 on the tiny model's store (tests/test_article_serve.py):
while a long analysis (75,000 characters of symbols, under the token limit) runs in the analysis process, /classify answers and a second analysis
gets 503 with Retry-After; once the long one is done, analyses are admitted again. How much the long
analysis slows /classify is measured in benchmarks/bench_isolation.py, not here.
"""

from __future__ import annotations

import random
import threading
import time
from typing import Iterator

import pytest

from tests.local_server import serving
from tests.test_article_fixtures import tiny_model  # noqa: F401  (fixture)
from tests.test_article_serve import store  # noqa: F401  (fixture)

ITEM = {"text": "Iran condemned the sanctions.", "target": "sanctions"}


def symbol_noise(chars: int, seed: int = 0) -> str:
    """Token-dense text (symbols, a space every ~8 characters): the slowest kind for spaCy per character."""
    rnd = random.Random(seed)
    return "".join(" " if rnd.randrange(8) == 0 else rnd.choice("!#$%&*+,-./:;<=>?@^_|~()[]{}") for _ in range(chars))


@pytest.fixture(scope="module")
def one_analysis_server(store) -> Iterator[str]:  # noqa: F811
    with serving({"BENTOML_HOME": str(store), "STANCE_MODEL": None, "STANCE_GAZETTEER": None,
                  "STANCE_MAX_ANALYSES": "1"}) as url:
        yield url


def test_classify_answers_and_a_second_analysis_is_refused_while_a_long_one_runs(one_analysis_server) -> None:
    import httpx

    server = one_analysis_server
    assert httpx.get(f"{server}/info", timeout=10).json()["limits"]["max_analyses_at_once"] == 1
    warm = httpx.post(f"{server}/analyze", json={"text": "Iran praised Russia."}, timeout=120)
    assert warm.status_code == 200, warm.text  # the analysis process is up

    long_answer: dict = {}

    def long_analysis() -> None:
        response = httpx.post(f"{server}/analyze", json={"text": symbol_noise(75_000)}, timeout=120)
        long_answer.update(status=response.status_code, body=response.text[:300])

    runner = threading.Thread(target=long_analysis)
    runner.start()
    time.sleep(1.0)  # the long request is read and admitted (its body is 100 kB on loopback)

    refused = httpx.post(f"{server}/analyze", json={"text": "Russia praised Iran."}, timeout=30)
    assert refused.status_code == 503, refused.text
    assert refused.headers["retry-after"] == "10"
    message = refused.json()["detail"][0]["msg"]
    assert "the limit is 1 at once" in message and "Fix: retry after 10 s" in message and "STANCE_MAX_ANALYSES" in message

    classified = [httpx.post(f"{server}/classify", json={"items": [ITEM]}, timeout=30) for _ in range(5)]
    assert [r.status_code for r in classified] == [200] * 5
    assert runner.is_alive(), "the long analysis ended before /classify was tried: make the text slower to analyse"

    runner.join(timeout=120)
    assert long_answer.get("status") == 200, long_answer
    again = httpx.post(f"{server}/analyze", json={"text": "Russia praised Iran."}, timeout=60)
    assert again.status_code == 200, again.text  # the admission is given back when an analysis ends


def test_the_openapi_document_declares_the_503_of_the_analysis_routes(one_analysis_server) -> None:
    import httpx

    paths = httpx.get(f"{one_analysis_server}/docs.json", timeout=10).json()["paths"]
    assert "503" in paths["/analyze"]["post"]["responses"] and "503" in paths["/analyze_batch"]["post"]["responses"]
    assert "503" not in paths["/classify"]["post"]["responses"]
