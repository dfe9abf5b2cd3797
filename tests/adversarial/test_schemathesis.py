"""Every operation of the OpenAPI document the service serves (GET /docs.json, `stance.service.openapi_spec`)
fuzzed by schemathesis against one real `bentoml serve` (tests/test_article_serve.py's `server`: the tiny
untrained model in a temporary store). Requests generated from the schema, valid ones (positive) and ones
that break it (negative: wrong types, unknown keys, missing fields), must get no 5xx, a status the document
declares, and a body that matches the schema declared for it (the 2xx results and the 4xx `ErrorBody`).
The document's own request examples must be answered with a 200 that matches it.

Bounded and reproducible: at most MAX_EXAMPLES cases per operation and mode, derandomized (the same cases on
every run), no example database written. schemathesis' pytest plugin (`schemathesis.pytest.from_fixture`)
fails on pytest 9 (it sets `request.node._nodeid`), so each operation is a hypothesis test over the
strategy schemathesis builds for it (`APIOperation.as_strategy`).
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.strategies import SearchStrategy
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.test_article_fixtures import tiny_model  # noqa: F401  (fixture)
from tests.test_article_serve import server, store  # noqa: F401  (fixtures)

MAX_EXAMPLES = 40
"""Per operation and mode: about 330 requests in all, about 15 s on 2 busy cores with the tiny model."""
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
BODY_OPERATIONS = [("POST", "/classify"), ("POST", "/analyze"), ("POST", "/analyze_batch"), ("POST", "/info")]
PLAIN_OPERATIONS = [("GET", "/healthz"), ("GET", "/livez"), ("GET", "/readyz"), ("GET", "/metrics")]
"""No parameters and no body: nothing to break, so no negative mode (schemathesis cannot generate one)."""
EXAMPLE_OPERATIONS = [("POST", "/classify"), ("POST", "/analyze"), ("POST", "/analyze_batch")]
"""The operations whose request schema has examples (/info takes no body). Fuzzed /classify items almost
never satisfy the checks a schema cannot state (a target given, spans inside the text), so its 200 is
checked on the examples."""


@pytest.fixture(scope="module")
def served_schema(server):  # noqa: F811
    """The document the running server serves at /docs.json (schemathesis' loaded schema), its requests sent
    to that server."""
    loaded = schemathesis.openapi.from_url(f"{server}/docs.json", timeout=30)
    loaded.config.update(base_url=server, request_timeout=60)
    return loaded


def send(strategy: SearchStrategy[Case], max_examples: int = MAX_EXAMPLES) -> list[int]:
    """Send up to `max_examples` cases drawn from `strategy` and run CHECKS on each response (the first
    failing check raises, with the request as a curl command). Returns the statuses, in order."""
    statuses: list[int] = []

    @settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        # No shrinking: a failure is reported with the case as generated (its curl command), in bounded time.
        phases=[Phase.explicit, Phase.generate],
        # A slow first /analyze (spaCy loads) and rejected draws of negative bodies are expected.
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=strategy)
    def run(case: Case) -> None:
        statuses.append(case.call_and_validate(checks=CHECKS).status_code)

    run()
    return statuses


def test_the_document_lists_the_operations_fuzzed(served_schema) -> None:
    """A new operation must be added here, or it would go unfuzzed."""
    listed = {(result.ok().method.upper(), result.ok().path) for result in served_schema.get_all_operations()}
    assert listed == set(BODY_OPERATIONS + PLAIN_OPERATIONS)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize(("method", "path"), BODY_OPERATIONS, ids=[path for _, path in BODY_OPERATIONS])
def test_every_request_body_gets_a_declared_answer(served_schema, method: str, path: str, mode: GenerationMode) -> None:
    statuses = send(served_schema[path][method].as_strategy(generation_mode=mode))
    # Hypothesis stops early only when the strategy has no more distinct cases; these bodies have many.
    assert len(statuses) >= MAX_EXAMPLES // 2, f"only {len(statuses)} {mode} cases for {method} {path}"
    if mode is GenerationMode.NEGATIVE:
        assert 400 in statuses, f"no {mode} case of {method} {path} was refused: {statuses}"


@pytest.mark.parametrize(("method", "path"), PLAIN_OPERATIONS, ids=[path for _, path in PLAIN_OPERATIONS])
def test_every_plain_operation_gets_a_declared_answer(served_schema, method: str, path: str) -> None:
    assert send(served_schema[path][method].as_strategy()) == [200]


@pytest.mark.parametrize(("method", "path"), EXAMPLE_OPERATIONS, ids=[path for _, path in EXAMPLE_OPERATIONS])
def test_the_documented_examples_are_answered(served_schema, method: str, path: str) -> None:
    strategies: list[Any] = served_schema[path][method].get_strategies_from_examples()
    assert strategies, f"the document has no request example for {method} {path}"
    assert [send(strategy, max_examples=1) for strategy in strategies] == [[200]] * len(strategies)
