"""POST /analyze and /analyze_batch of the real service, `stance.service:StanceService`: the class called
directly (lazy, once-only loading of spaCy and the gazetteer) and one `bentoml serve` on a free
127.0.0.1 port (`tests/local_server.py`, as tests/test_service.py). The tiny untrained model of
tests/test_article_fixtures.py is registered in a temporary store, so stance labels are arbitrary and
the tests check structure, statuses and messages; the gazetteer is the shipped stance/article/gazetteer.yaml.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.local_server import serving
from tests.model_store import model_store_at
from tests.test_article_fixtures import same_stances, tiny_model  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[1]
TEXT = "Sergei Lavrov said the sanctions on Iran were illegal. The Kremlin praised Tehran."
FRENCH = (
    "Le ministre iranien a déclaré dimanche que Washington regretterait cette décision et que "
    "la Russie soutenait Téhéran dans les négociations avec les États-Unis, selon un communiqué."
)

# name -> (route, JSON body, status, where the message says it, what the message says)
BAD_INPUTS = {
    "empty text": ("/analyze", {"text": ""}, 400, ["text"], r"text is empty: expected the article.*Fix:"),
    "200,000 characters": (
        "/analyze",
        {"text": "Russia praised Iran. " * 9524},
        400,
        ["text"],
        r"text has 200,004 characters: the limit is 100,000 per request\. Fix: split",
    ),
    "token-dense text": (
        "/analyze",
        {"text": "a " * 40_000},
        400,
        ["text"],
        r"text has 40,000 tokens \(words, punctuation marks and symbols\): the limit is 35,000 per request\..*Fix:",
    ),
    "unknown field": ("/analyze", {"text": "Iran.", "colour": "red"}, 400, ["colour"], r"Extra inputs"),
    "a date that is not a date": ("/analyze", {"text": "Iran.", "date": "last Tuesday"}, 400, ["date"],
                                  r"'last Tuesday' is not a date I can read\. Fix: write the date as ISO 8601"),
    "a bad date in a batch": ("/analyze_batch", {"articles": [{"text": "Iran."}, {"text": "Iran.", "date": "2024-02-30"}]},
                              400, ["articles", 1, "date"], r"'2024-02-30' is not a date"),
    "text not a string": ("/analyze", {"text": 5}, 400, ["text"], r"valid string"),
    "too many articles": (
        "/analyze_batch",
        {"articles": [{"text": "Iran."}] * 65},
        400,
        ["articles"],
        r"articles has 65 entries: expected 1 to 64 per request\. Fix:",
    ),
    "no articles": ("/analyze_batch", {"articles": []}, 400, ["articles"], r"0 entries: expected 1 to 64"),
    "too many characters in all": (
        "/analyze_batch",
        {"articles": [{"text": "x" * 60_000}, {"text": "y" * 60_000}]},
        400,
        ["articles"],
        r"articles has 120,000 characters: the limit is 100,000 per request",
    ),
    "empty text in a batch": (
        "/analyze_batch",
        {"articles": [{"text": "Iran."}, {"text": ""}]},
        400,
        ["articles", 1, "text"],
        r"text is empty",
    ),
}


@pytest.fixture(scope="module")
def store(tiny_model, tmp_path_factory) -> Iterator[Path]:  # noqa: F811
    """A model store (BENTOML_HOME) holding the tiny model as `stance:<version>` (torch backend: no ONNX export)."""
    from training.register import register

    with model_store_at(tmp_path_factory.mktemp("analyze-service") / "bentoml") as home:
        register(tiny_model, "stance", {"name": "tiny"}, {}, "abc", onnx=False)
        yield home


@pytest.fixture(scope="module")
def server(store) -> Iterator[str]:
    with serving({"BENTOML_HOME": str(store), "STANCE_MODEL": None, "STANCE_GAZETTEER": None}) as url:
        yield url


def _error(response) -> tuple[list, str]:
    """(loc, message) of a 400: a validation error while parsing, or an error from the analysis."""
    body = response.json()
    if isinstance(body, dict) and "detail" in body:
        (problem,) = body["detail"]
        return problem["loc"], problem["msg"]
    (error,) = body  # BentoML's InvalidArgument body is [{"error": ...}]
    return [], error["error"]


# -- the Bento ------------------------------------------------------------------------------------------


def test_the_bento_carries_what_analysis_loads() -> None:
    """The Bento's src/ is its working directory and holds what bentofile.yaml includes: the gazetteer the
    code reads (relative to the package) must be included, and spaCy and its pipeline installed."""
    import yaml

    from stance.article.gazetteer import DEFAULT_PATH
    from stance.article.parsing import SPACY_PACKAGE

    bentofile = yaml.safe_load((ROOT / "bentofile.yaml").read_text())
    assert DEFAULT_PATH.relative_to(ROOT).as_posix() in bentofile["include"]
    packages = " ".join(bentofile["python"]["packages"])
    for package in ("spacy==", SPACY_PACKAGE.replace("_", "-"), "pyyaml"):
        assert package in packages, f"{package} is needed by /analyze but not installed by bentofile.yaml"


# -- the class called directly ---------------------------------------------------------------------------


@pytest.fixture()
def service(store, monkeypatch):
    """A StanceService on this module's store. The class-scope model reference resolves once per process
    (BentoML pins its tag to the version found and keeps the model): give the class a fresh reference for
    this test, so that it and tests/test_service.py each get the model of their own store."""
    import stance.service

    fresh = stance.service.StoreModel(stance.service.MODEL_TAG)
    monkeypatch.setattr(stance.service.StanceService.inner, "model_ref", fresh)
    return stance.service.StanceService()


def test_the_analysis_process_starts_at_start_up_when_asked(store, monkeypatch) -> None:
    import stance.service

    monkeypatch.setattr(stance.service, "PRELOAD_ANALYZER", True)
    monkeypatch.setattr(stance.service.StanceService.inner, "model_ref", stance.service.StoreModel(stance.service.MODEL_TAG))
    service = stance.service.StanceService()
    try:
        assert service.analysis.started, "STANCE_PRELOAD_ANALYZER=1 must start the analysis process at start-up"
        (pid,) = _child_pids(service)
        result = asyncio.run(service.analyze(text=TEXT))
        assert result.statements and _child_pids(service) == [pid]  # the first article uses the started one
    finally:
        service.analysis.close()


def test_the_analysis_process_starts_on_first_use_and_once(service) -> None:
    """/classify alone never starts it; three analyses at once share one child process, which is not the
    caller's, runs at a lower priority and answers each in its own order."""
    import os

    assert not service.analysis.started  # a service used only for /classify never loads spaCy

    async def three() -> list:
        texts = [TEXT, "Iran praised Russia.", TEXT]
        return await asyncio.gather(*(service.analyze(text=text, id=str(n)) for n, text in enumerate(texts)))

    try:
        results = asyncio.run(three())
        (pid,) = _child_pids(service)
        assert pid != os.getpid() and os.getpriority(os.PRIO_PROCESS, pid) > os.getpriority(os.PRIO_PROCESS, 0)
        assert [r.id for r in results] == ["0", "1", "2"]
        assert results[0].statements[0].speaker == "person:sergei-lavrov"
        assert {a.id for a in results[1].actors} == {"iran", "russia"}
        assert service.info().limits.max_articles_per_request == 64
    finally:
        service.analysis.close()


def test_an_input_error_from_the_analysis_process_is_a_validation_error(service) -> None:
    """An error the analysis raises in the child (here: actors_only with no actors) reaches the caller as the
    same 400 shape the parsing errors have, naming the field."""
    import pydantic

    try:
        with pytest.raises(pydantic.ValidationError, match="actors_only") as caught:
            asyncio.run(service.analyze(text=TEXT, actors_only=True))
        assert caught.value.errors()[0]["loc"] == ("actors_only",)
    finally:
        service.analysis.close()


def test_a_killed_analysis_process_fails_only_its_analysis_and_the_next_starts_anew(service) -> None:
    import os
    import signal
    from concurrent.futures import ThreadPoolExecutor

    from bentoml.exceptions import InternalServerError

    from tests.adversarial.test_analysis_isolation import symbol_noise

    try:
        asyncio.run(service.analyze(text=TEXT))
        (first,) = _child_pids(service)
        with ThreadPoolExecutor(1) as pool:
            running = pool.submit(lambda: asyncio.run(service.analyze(text=symbol_noise(75_000))))
            time.sleep(1.5)
            os.kill(first, signal.SIGKILL)
            with pytest.raises(InternalServerError, match=r"analysis process stopped .*Fix: retry"):
                running.result(timeout=60)
        result = asyncio.run(service.analyze(text=TEXT))
        (second,) = _child_pids(service)
        assert second != first and result.statements[0].speaker == "person:sergei-lavrov"
        os.kill(second, signal.SIGKILL)  # killed between two analyses: the next one does not even fail
        time.sleep(0.5)
        assert asyncio.run(service.analyze(text=TEXT)).statements
    finally:
        service.analysis.close()


def _child_pids(service) -> list[int]:
    return sorted(service.analysis._pool()._processes)


# -- one real `bentoml serve` ---------------------------------------------------------------------------


def test_one_article_and_a_batch_over_http(server) -> None:
    import httpx

    from stance.article import ArticleAnalysis

    metadata = {"date": "Thu, 21 Mar 2024 14:05:00 GMT", "source": "Wire", "url": "https://example.org/a", "title": "T"}
    response = httpx.post(f"{server}/analyze", json={"text": TEXT, "id": "x", **metadata}, timeout=60)
    assert response.status_code == 200, response.text
    result = ArticleAnalysis.model_validate(response.json())
    assert (result.date, result.source, result.url, result.title) == ("2024-03-21T14:05:00+00:00", "Wire",
                                                                      "https://example.org/a", "T")
    assert result.id == "x" and {"person:sergei-lavrov", "russia", "iran"} <= {a.id for a in result.actors}
    assert [s.speaker for s in result.statements] == ["person:sergei-lavrov", "russia"]
    assert {(s.holder, s.target) for s in result.stances} == {("person:sergei-lavrov", "iran"), ("russia", "iran")}
    assert {(p.holder, p.target) for p in result.pairs} == {("person:sergei-lavrov", "iran"), ("russia", "iran")}

    batch = httpx.post(f"{server}/analyze_batch", json={"articles": [{"text": TEXT, "id": "a"}, {"text": "Iran."}]},
                       timeout=60)
    assert batch.status_code == 200, batch.text
    first, second = (ArticleAnalysis.model_validate(r) for r in batch.json())
    assert first.id == "a" and same_stances(first.stances, result.stances)  # one inference path: same verdicts
    assert second.id is None and [a.id for a in second.actors] == ["iran"]

    # /classify still answers on the same classifier after the analyzer was loaded
    item = {"text": "Iran praised China.", "target_span": [13, 18], "holder_span": [0, 4]}
    assert httpx.post(f"{server}/classify", json={"items": [item]}, timeout=30).status_code == 200


def test_odd_but_valid_articles_are_results(server) -> None:
    import httpx

    def analyze(text: str) -> dict:
        response = httpx.post(f"{server}/analyze", json={"text": text}, timeout=60)
        assert response.status_code == 200, (text[:40], response.text[:300])
        return response.json()

    no_actors = analyze("The weather was fine and the trains ran on time.")
    assert no_actors["pairs"] == [] and no_actors["stances"] == []
    assert no_actors["warnings"] == ["No actors found: no stances to report."]
    assert analyze('"""""" “” ‘’ " "')["stances"] == []
    assert "The text is empty: nothing to analyse." in analyze("  \n ")["warnings"]
    assert any("does not look like English" in w for w in analyze(FRENCH)["warnings"])


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_a_400_that_says_why(server, name) -> None:
    import httpx

    route, body, status, loc, message = BAD_INPUTS[name]
    response = httpx.post(f"{server}{route}", json=body, timeout=60)
    assert response.status_code == status, response.text[:300]
    found_loc, found_message = _error(response)
    assert found_loc == loc and re.search(message, found_message), (found_loc, found_message)


def test_errors_only_the_analysis_finds_are_400s(server) -> None:
    import httpx

    response = httpx.post(f"{server}/analyze", json={"text": "Iran.", "actors_only": True}, timeout=60)
    assert response.status_code == 400
    assert "actors_only is set but no actors were given" in _error(response)[1]


def test_malformed_bodies_are_4xx_never_5xx(server) -> None:
    import httpx

    headers = {"content-type": "application/json"}
    latin1 = httpx.post(f"{server}/analyze", content='{"text": "Iran é said"}'.encode("latin-1"), headers=headers)
    assert latin1.status_code == 400
    message = latin1.json()["error"]
    assert re.search(r"not valid UTF-8: byte 0xe9 at offset 15\..*Fix: convert the text to UTF-8", message), message
    surrogate = httpx.post(f"{server}/analyze", content=b'{"text": "Iran \\ud800 said"}', headers=headers)
    assert surrogate.status_code == 400, surrogate.text[:300]
    for raw in (b"", b"{not json", b"null", b"[]", b'{"articles": null}', b'{"articles": [null]}'):
        for route in ("/analyze", "/analyze_batch"):
            status = httpx.post(f"{server}{route}", content=raw, headers=headers).status_code
            assert 400 <= status < 500, (route, raw, status)
    counts = [line for line in httpx.get(f"{server}/metrics").text.splitlines()
              if line.startswith("bentoml_service_request_total")]
    assert not [line for line in counts if 'http_response_code="5' in line and float(line.rsplit(" ", 1)[1]) > 0]


def test_info_lists_the_analyze_limits(server) -> None:
    import httpx

    limits = httpx.get(f"{server}/info").json()["limits"]
    assert (limits["max_articles_per_request"], limits["max_article_chars_per_request"]) == (64, 100_000)


@pytest.mark.slow
def test_an_article_at_the_character_limit(server) -> None:
    import httpx

    text = (TEXT + "\n\n") * (100_000 // (len(TEXT) + 2))
    response = httpx.post(f"{server}/analyze", json={"text": text}, timeout=120)
    assert response.status_code == 200, response.text[:300]
    assert response.json()["length"] == len(text) and len(response.json()["statements"]) > 2000
