"""POST /analyze through a real `bentoml serve` on 127.0.0.1 (the endpoint methods of docs/analysis.md).

The service under test is written to a temporary folder: it holds exactly the methods the service
owner pastes into stance/service.py, on a tiny model, so this test does not depend on that file.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_article_fixtures import GAZETTEER, tiny_model  # noqa: F401  (fixture)

SERVICE = '''
import os

import bentoml

from stance.article import AnalyzeRequest, ArticleAnalysis, ArticleAnalyzer
from stance.article.endpoint import run_analysis
from stance.article.gazetteer import ActorGazetteer
from stance.classifier import StanceClassifier


@bentoml.service(workers=1)
class ArticleService:
    def __init__(self) -> None:
        self.classifier = StanceClassifier.from_path(os.environ["STANCE_TEST_MODEL"])
        self.analyzer = ArticleAnalyzer(self.classifier, ActorGazetteer.from_file(os.environ["STANCE_TEST_GAZETTEER"]))

    @bentoml.api(route="/analyze", input_spec=AnalyzeRequest)
    def analyze(self, **request) -> ArticleAnalysis:
        return run_analysis(self.analyzer, [AnalyzeRequest(**request)])[0]

    @bentoml.api(route="/analyze_batch")
    def analyze_batch(self, articles: list[AnalyzeRequest]) -> list[ArticleAnalysis]:
        return run_analysis(self.analyzer, articles)
'''


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tiny_model, tmp_path_factory):  # noqa: F811
    import httpx
    import yaml

    folder = tmp_path_factory.mktemp("service")
    (folder / "service.py").write_text(SERVICE)
    (folder / "gazetteer.yaml").write_text(yaml.safe_dump({"actors": [e.model_dump() for e in GAZETTEER]}))
    port = _free_port()
    env = {**os.environ, "STANCE_TEST_MODEL": str(tiny_model), "STANCE_TEST_GAZETTEER": str(folder / "gazetteer.yaml"),
           "BENTOML_HOME": str(folder / "bentoml"), "BENTOML_DO_NOT_TRACK": "true",
           "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    bentoml = Path(sys.executable).with_name("bentoml")
    process = subprocess.Popen([str(bentoml), "serve", "service:ArticleService", "--host", "127.0.0.1", "--port", str(port)],
                               cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                pytest.fail(f"bentoml serve exited with code {process.returncode}")
            time.sleep(0.5)
        else:
            pytest.fail("bentoml serve was not ready within 90 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.slow
def test_analyze_over_http(server) -> None:
    import httpx

    from stance.article import ArticleAnalysis

    text = "Sergei Lavrov said the sanctions on Iran were illegal. The Kremlin praised Tehran."
    response = httpx.post(f"{server}/analyze", json={"text": text, "id": "x"}, timeout=60)
    assert response.status_code == 200, response.text
    result = ArticleAnalysis.model_validate(response.json())
    assert result.id == "x" and result.statements[0].speaker == "person:sergei-lavrov"
    assert {(p.holder, p.target) for p in result.pairs} == {("person:sergei-lavrov", "iran"), ("russia", "iran")}

    batch = httpx.post(f"{server}/analyze_batch", json={"articles": [{"text": text}, {"text": "Iran."}]}, timeout=60)
    assert batch.status_code == 200 and len(batch.json()) == 2


@pytest.mark.slow
def test_hostile_inputs_over_http_are_results_or_4xx(server) -> None:
    import httpx

    cases = {
        "empty": ({"text": ""}, 400),
        "quotes only": ({"text": '"""" “” "'}, 200),
        "other language": ({"text": "Le ministre a déclaré que la Russie soutenait Téhéran."}, 200),
        "no actors": ({"text": "The trains ran on time."}, 200),
        "unknown field": ({"text": "Iran.", "colour": "red"}, 400),
        "actors_only without actors": ({"text": "Iran.", "actors_only": True}, 400),
        "long": ({"text": "Russia praised Iran. " * 9600}, 200),  # ~200,000 characters
    }
    for name, (body, status) in cases.items():
        response = httpx.post(f"{server}/analyze", json=body, timeout=300)
        assert response.status_code == status, (name, response.status_code, response.text[:300])
    raw = httpx.post(f"{server}/analyze", content=b'{"text": "Iran \xff\xfe said"}',
                     headers={"content-type": "application/json"}, timeout=60)
    assert 400 <= raw.status_code < 500, raw.text[:300]
    surrogate = httpx.post(f"{server}/analyze", content=b'{"text": "Iran \\ud800 said"}',
                           headers={"content-type": "application/json"}, timeout=60)
    assert surrogate.status_code in (200, 400), surrogate.text[:300]
