"""The prediction service, three ways: the class called directly, HTTP through its ASGI app, and one real
`bentoml serve` on a free 127.0.0.1 port. A tiny untrained model is registered in a temporary store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest

from tests.local_server import (
    ServerNotReady, drain_output, free_port, start_local_server, stop_local_server, wait_until_ready,
)
from stance.modeling import ModelSpec, build_model
from tests.model_store import model_store_at

ROOT = Path(__file__).resolve().parents[1]
IRAN = {"text": "Iran praised its great ally China for the deal.", "target_span": [28, 33], "holder_span": [0, 4]}
BY_NAME = {"text": "They said the sanctions were a crime.", "target": "United States", "holder": "Iran"}

# name -> (body, status, where the message says it, what the message says)
BAD_INPUTS = {
    "span outside text": (
        {"items": [{"text": "abc", "target_span": [1, 10]}]},
        400,
        ["items", 0],
        r"target_span \[1, 10\] is outside the text.*Fix:",
    ),
    "no target": (
        {"items": [{"text": "Iran praised China."}]},
        400,
        ["items", 0],
        r"target is missing.*Fix: name the actor",
    ),
    "text too long": (
        {"items": [{"text": "x" * 5001, "target": "Iran"}]},
        400,
        ["items", 0, "text"],
        r"5001 characters: the limit is 5000",
    ),
    "too many items": ({"items": [BY_NAME] * 65}, 400, ["items"], r"65 entries: expected 1 to 64 per request"),
    "no items": ({"items": []}, 400, ["items"], r"0 entries: expected 1 to 64"),
    "name too long": (
        {"items": [{"text": "Iran.", "target": "x" * 201}]},
        400,
        ["items", 0, "target"],
        r"limit is 200",
    ),
    "blank name": ({"items": [{"text": "Iran.", "target": " "}]}, 400, ["items", 0, "target"], r"target is blank"),
    "unknown field": ({"items": [{**BY_NAME, "colour": "red"}]}, 400, ["items", 0, "colour"], r"Extra inputs"),
    "wrong type": ({"items": "Iran praised China"}, 400, ["items"], r"valid (list|array)"),
    "missing items": ({"texts": []}, 400, ["items"], r"Field required"),
}


@pytest.fixture(scope="module")
def store(tiny_bert, tmp_path_factory) -> Iterator[tuple[Path, str]]:
    """A model store holding one registered tiny model: (BENTOML_HOME, tag)."""
    from training.register import register

    home = tmp_path_factory.mktemp("service") / "bentoml"
    model, tokenizer = build_model(str(tiny_bert), ModelSpec.default("multi", "markers", 64, str(tiny_bert)))
    model.save(home.parent / "model", tokenizer)
    with model_store_at(home):
        tag = register(
            home.parent / "model", "stance", {"name": "tiny"}, {"test": {"toy:test:stance": {"f1m": 50.0}}}, "abc"
        )
        yield home, tag


@pytest.fixture(scope="module")
def client(store):
    from starlette.testclient import TestClient

    from stance.service import StanceService

    with TestClient(StanceService.to_asgi()) as test_client:
        yield test_client


def check_bad_input(response, status: int, loc: list, message: str) -> None:
    import re

    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"].endswith("validation error for Input")
    (problem,) = body["detail"]
    assert problem["loc"] == loc and re.search(message, problem["msg"]), problem


# -- the class called directly -------------------------------------------------------------------------


def test_service_class_classifies_and_describes_itself(store) -> None:
    from stance.api_schemas import ClassifyItem
    from stance.service import StanceService

    _, tag = store
    service = StanceService()
    results = service.classify([ClassifyItem(**IRAN), ClassifyItem(**BY_NAME)])
    assert [(r.target, r.holder) for r in results] == [("China", "Iran"), ("United States", "Iran")]
    assert set(results[0].stance_probs) == {"against", "neutral", "favor"}
    info = service.info()
    assert (info.model, info.backend) == (tag, "onnx-int8")
    assert info.label_sets["sentiment"] == ["negative", "neutral", "positive"]
    assert info.test_f1m == {"toy:test:stance": 50.0}


def test_missing_model_names_the_fix(store) -> None:
    from stance.errors import ModelNotFoundError
    from stance.service import StoreModel

    with pytest.raises(
        ModelNotFoundError, match=r"No model 'stance:nope'.*Models in the store: \['stance:.*stance train"
    ):
        StoreModel("stance:nope").resolve()


def test_service_imports_only_what_the_bento_installs() -> None:
    """The Bento installs bentofile.yaml's packages only: a training- or analysis-only import at module
    level in the service's import graph would break the container at start-up."""
    import yaml

    code = "import sys, stance.service; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    loaded = set(
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.split()
    )
    assert not loaded & {"sklearn", "spacy", "datasets", "accelerate", "matplotlib", "onnx", "onnxscript", "training"}
    packages = " ".join(yaml.safe_load((ROOT / "bentofile.yaml").read_text())["python"]["packages"])
    for module in {
        "torch",
        "transformers",
        "tokenizers",
        "numpy",
        "scipy",
        "pydantic",
        "onnxruntime",
        "bentoml",
    } & loaded:
        assert module in packages, f"{module} is imported by the service but not installed by bentofile.yaml"


# -- HTTP through the ASGI app --------------------------------------------------------------------------


def test_classify_over_asgi_keeps_request_order(client) -> None:
    response = client.post("/classify", json={"items": [BY_NAME, IRAN, BY_NAME]})
    assert response.status_code == 200, response.text
    assert [r["target"] for r in response.json()] == ["United States", "China", "United States"]
    assert response.json()[0] == response.json()[2]


def test_info_over_asgi_get_and_post(client, store) -> None:
    _, tag = store
    for response in (client.get("/info"), client.post("/info")):
        assert response.status_code == 200
        assert response.json()["model"] == tag
        assert response.json()["limits"]["max_items_per_request"] == 64
        # registered without parity examples: no stored probe, so int8 is served unchecked and says so
        assert (response.json()["backend"], response.json()["int8_probe"]) == ("onnx-int8", None)


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_over_asgi_is_a_400_that_says_why(client, name) -> None:
    body, status, loc, message = BAD_INPUTS[name]
    check_bad_input(client.post("/classify", json=body), status, loc, message)


def test_malformed_bodies_are_4xx_never_5xx(client) -> None:
    assert (
        client.post("/classify", content=b"{not json", headers={"content-type": "application/json"}).status_code == 400
    )
    multipart = client.post(
        "/classify", content=b"--x\r\n", headers={"content-type": "multipart/form-data; boundary=x"}
    )
    assert multipart.status_code == 415 and "expected application/json" in multipart.json()["error"]
    # curl's default (-d without a content type) is read as JSON
    assert (
        client.post(
            "/classify",
            content=b'{"items": [{"text": "Iran.", "target": "Iran"}]}',
            headers={"content-type": "application/x-www-form-urlencoded"},
        ).status_code
        == 200
    )
    for raw in (
        b"",
        b"null",
        b"[]",
        b'{"items": null}',
        b'{"items": [null]}',
        b'{"items": [{"text": 5, "target": 1}]}',
    ):
        assert (
            400 <= client.post("/classify", content=raw, headers={"content-type": "application/json"}).status_code < 500
        ), raw


def test_openapi_page_documents_fields_and_examples(client) -> None:
    spec = client.get("/docs.json").json()
    item = spec["components"]["schemas"]["ClassifyItem"]
    assert "end exclusive" in item["properties"]["target_span"]["description"]
    assert item["example"]["target_span"] == [28, 33]
    assert "/classify" in spec["paths"] and "/info" in spec["paths"]
    # BentoML's OpenAPI page is at /docs; the analysts' page (stance.web) is mounted in front of it at /
    docs = client.get("/docs", follow_redirects=False)
    assert docs.status_code == 200 and 'id="swagger-ui"' in docs.text
    root = client.get("/")
    assert root.status_code == 200 and "Who says what about whom" in root.text


# -- one real `bentoml serve` ---------------------------------------------------------------------------


def _serve(home: Path, port: int) -> subprocess.Popen:
    return start_local_server(port, {"BENTOML_HOME": str(home), "STANCE_MODEL": None}, capture=True)


def _stop(process: subprocess.Popen) -> None:
    stop_local_server(process, timeout=20)


@pytest.fixture(scope="module")
def server(store) -> Iterator[str]:
    home, _ = store
    port = free_port()
    process = _serve(home, port)
    try:
        wait_until_ready(process, port, timeout=60, log=drain_output(process))
        yield f"http://127.0.0.1:{port}"
    except ServerNotReady as err:
        pytest.fail(str(err))
    finally:
        _stop(process)


def test_real_server_classifies_and_reports_health(server, store) -> None:
    import httpx

    _, tag = store
    response = httpx.post(f"{server}/classify", json={"items": [IRAN, BY_NAME]}, timeout=30)
    assert response.status_code == 200, response.text
    assert [r["target"] for r in response.json()] == ["China", "United States"]
    assert httpx.get(f"{server}/info").json()["model"] == tag
    for path in ("/healthz", "/readyz", "/livez"):
        assert httpx.get(f"{server}{path}").status_code == 200, path
    metrics = httpx.get(f"{server}/metrics").text
    assert 'bentoml_service_request_total{endpoint="/classify",http_response_code="200"' in metrics


def test_real_server_answers_bad_input_with_4xx(server) -> None:
    import httpx

    for name, (body, status, loc, message) in BAD_INPUTS.items():
        check_bad_input(httpx.post(f"{server}/classify", json=body, timeout=30), status, loc, message)
    garbage = httpx.post(f"{server}/classify", content=b"{not json", headers={"content-type": "application/json"})
    assert garbage.status_code == 400
    counts = [
        line
        for line in httpx.get(f"{server}/metrics").text.splitlines()
        if line.startswith("bentoml_service_request_total")
    ]
    assert not [line for line in counts if 'http_response_code="5' in line and float(line.rsplit(" ", 1)[1]) > 0]
    assert any(
        'http_response_code="400"' in line and float(line.rsplit(" ", 1)[1]) >= len(BAD_INPUTS) for line in counts
    )


def test_serve_without_a_model_fails_fast_with_the_fix(tmp_path) -> None:
    home = tmp_path / "empty"
    (home / "models").mkdir(parents=True)
    process = _serve(home, free_port())
    try:
        output, _ = process.communicate(timeout=60)
    finally:
        _stop(process)
    assert process.returncode != 0
    assert "No model 'stance:latest' in the BentoML model store" in output.decode()
    assert "stance train" in output.decode() and "bentoml models import" in output.decode()
