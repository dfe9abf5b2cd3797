"""Hostile and sloppy requests to one real `bentoml serve` of the service (tests/local_server.py): bodies
over the size limit, lenient types, unknown keys, a byte order mark, a lone surrogate, user actors whose
ids clash, unknown paths that would bloat /metrics, and the log a 400 leaves. A tiny untrained model is
registered in a temporary store (torch backend), so only statuses, fields and messages are checked.

Each case of CASES: the request, its expected status, where the message says it (`loc`) and what it says.
"""

from __future__ import annotations

import re
import socket
import time
import uuid
from pathlib import Path
from typing import Iterator, Optional

import pytest

from tests.local_server import (
    ServerNotReady, drain_output, free_port, start_local_server, stop_local_server, wait_until_ready,
)
from tests.model_store import model_store_at

ITEM = {"text": "Iran praised its great ally China for the deal.", "target_span": [28, 33]}
ARTICLE = "Russia praised Iran. Persia condemned the attack."
JSON = {"content-type": "application/json"}
LIMIT = 4 * 1024 * 1024

# name -> (route, body: JSON-able or raw bytes, status, loc, message regex)
CASES = {
    "span of floats": (
        "/classify", {"items": [{**ITEM, "target_span": [28.0, 33]}]}, 400, ["items", 0, "target_span", 0],
        r"Input should be a valid integer",
    ),
    "span of booleans": (
        "/classify", {"items": [{**ITEM, "target_span": [False, 33]}]}, 400, ["items", 0, "target_span", 0],
        r"Input should be a valid integer",
    ),
    "span of strings": (
        "/classify", {"items": [{**ITEM, "holder_span": ["0", 4]}]}, 400, ["items", 0, "holder_span", 0],
        r"Input should be a valid integer",
    ),
    "unknown top-level key on /classify": (
        "/classify", {"items": [ITEM], "colour": "red"}, 400, ["colour"], r"Extra inputs are not permitted",
    ),
    "unknown top-level key on /analyze_batch": (
        "/analyze_batch", {"articles": [{"text": "Iran."}], "colour": "red"}, 400, ["colour"],
        r"Extra inputs are not permitted",
    ),
    "unknown key on POST /info": ("/info", {"verbose": True}, 400, ["verbose"], r"Extra inputs are not permitted"),
    "actors_only as a string": (
        "/analyze", {"text": "Iran.", "actors_only": "true"}, 400, ["actors_only"], r"Input should be a valid boolean",
    ),
    "id over the limit": (
        "/analyze", {"text": "Iran.", "id": "x" * 2049}, 400, ["id"],
        r"id has 2,049 characters: the limit is 2,048\. Fix: give a short id",
    ),
    "actor name over the limit": (
        "/analyze", {"text": "Iran.", "actors": [{"name": "x" * 201}]}, 400, ["actors"],
        r"actors\[0\]\.name has 201 characters: the limit is 200\. Fix:",
    ),
    "user actors repeat an id": (
        "/analyze", {"text": "Hamas said.", "actors": [{"name": "Hamas"}, {"name": "HAMAS", "id": "hamas"}]}, 400,
        ["actors"], r"actors repeat an id: 'hamas' at actors \[0, 1\]\. .*Fix: merge the entries",
    ),
    "user actor takes a gazetteer id": (
        "/analyze", {"text": ARTICLE, "actors": [{"id": "iran", "name": "Persia", "type": "place"}]}, 400,
        ["actors", 0],
        r"actors\[0\] has id 'iran', which the gazetteer uses for 'Iran' \(state\), but another name 'Persia' "
        r"\(the gazetteer's: 'Iran'\), type 'place'.*Fix: give this actor another id \(e\.g\. 'user:iran'\)",
    ),
    "gazetteer id clash in a batch names the article": (
        "/analyze_batch",
        {"articles": [{"text": "Iran."}, {"text": ARTICLE, "actors": [{"id": "russia", "name": "Rus"}]}]}, 400,
        ["articles", 1, "actors", 0], r"actors\[0\] has id 'russia', which the gazetteer uses for 'Russia'",
    ),
    "actors_only without actors": (
        "/analyze", {"text": "Iran.", "actors_only": True}, 400, ["actors_only"], r"actors_only is set but no actors were given",
    ),
    "byte order mark": (
        "/classify", b"\xef\xbb\xbf" + b'{"items": []}', 400, [],
        r"starts with a UTF-8 byte order mark .*Fix: save the file as UTF-8 without BOM",
    ),
    "lone surrogate escape": (
        "/analyze", b'{"text": "Iran \\ud800 said"}', 400, [],
        r"lone surrogate escape \\ud800 at offset 15: .*Fix: repair the text before encoding it",
    ),
    "not UTF-8": (
        "/classify", '{"items": "Iran é"}'.encode("latin-1"), 400, [], r"not valid UTF-8: byte 0xe9 at offset 16\. Expected JSON encoded as UTF-8\. Fix: convert the text",
    ),
    "multipart": (
        "/classify", b"--x\r\n", 415, [], r"multipart/form-data is not supported: expected application/json",
    ),
}


@pytest.fixture(scope="module")
def store(tiny_bert, tmp_path_factory) -> Iterator[Path]:
    """BENTOML_HOME with one tiny model whose base encoder is a local path (as a fine-tuned base is)."""
    from stance.modeling import ModelSpec, build_model
    from training.register import register

    home = tmp_path_factory.mktemp("hardening") / "bentoml"
    model, tokenizer = build_model(str(tiny_bert), ModelSpec.default("multi", "markers", 64, str(tiny_bert)))
    model.save(home.parent / "model", tokenizer)
    with model_store_at(home):
        register(home.parent / "model", "stance", {"name": "tiny"}, {}, "abc", onnx=False)
        yield home


@pytest.fixture(scope="module")
def served(store) -> Iterator[tuple[str, int, list[bytes]]]:
    """(base URL, port, the server's output lines so far)."""
    port = free_port()
    env = {"BENTOML_HOME": str(store), "STANCE_MODEL": None, "STANCE_GAZETTEER": None, "STANCE_MAX_BODY_BYTES": None}
    process = start_local_server(port, env, capture=True)
    log = drain_output(process)
    try:
        wait_until_ready(process, port, timeout=90, log=log)
        yield f"http://127.0.0.1:{port}", port, log
    except ServerNotReady as err:
        pytest.fail(str(err))
    finally:
        stop_local_server(process, timeout=20)


def post(url: str, body, headers: Optional[dict] = None):
    import httpx

    if isinstance(body, bytes):
        return httpx.post(url, content=body, headers=headers or JSON, timeout=60)
    return httpx.post(url, json=body, timeout=60)


def problem(response) -> tuple[list, str]:
    """(loc, msg) of the one problem of a 4xx, checked against the declared error shape (`ErrorBody`)."""
    from stance.api_schemas import ErrorBody

    body = ErrorBody.model_validate(response.json())
    assert len(body.detail) == 1, body
    return body.detail[0].loc, body.detail[0].msg


def raw_request(port: int, head: str, body: bytes = b"", wait: float = 30) -> tuple[int, bytes, float]:
    """Send `head` (request line and headers) and `body` on a socket, then read the response: (status,
    response bytes, seconds until the status line came). The client sends no more than `body`, as a client
    that waits for an early answer does."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        data = b""
        while b"\r\n\r\n" not in data or len(data) < data.find(b"\r\n\r\n") + 4 + _length(data):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return int(data.split(b" ", 2)[1]), data, time.monotonic() - started


def _length(data: bytes) -> int:
    found = re.search(rb"content-length: *(\d+)", data, re.I)
    return int(found.group(1)) if found else 0


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_bad_request_gets_its_status_and_message(served, name) -> None:
    url, _, _ = served
    route, body, status, loc, message = CASES[name]
    headers = {"content-type": "multipart/form-data; boundary=x"} if name == "multipart" else None
    response = post(url + route, body, headers)
    assert response.status_code == status, response.text[:500]
    found_loc, found_message = problem(response)
    assert found_loc == loc and re.search(message, found_message), (found_loc, found_message)


def test_a_user_actor_with_the_gazetteer_name_extends_it(served) -> None:
    url, _, _ = served
    body = {"text": ARTICLE, "actors": [{"id": "iran", "name": "Iran", "type": "state", "aliases": ["Persia"]}]}
    response = post(url + "/analyze", body)
    assert response.status_code == 200, response.text[:500]
    assert {m["text"]: m["actor"] for m in response.json()["mentions"]}["Persia"] == "iran"


def test_a_1_gib_body_is_refused_before_it_is_read(served) -> None:
    _, port, _ = served
    head = f"POST /classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {1 << 30}\r\n"
    status, data, seconds = raw_request(port, head, b'{"items": [' + b" " * 65536)
    assert status == 413 and seconds < 5, (status, seconds)
    message = problem_of(data)
    assert re.search(
        r"The request body has 1,073,741,824 bytes: the limit is 4,194,304 bytes \(4 MiB\) per request\. Fix: send "
        r"fewer items .* raise the limit with STANCE_MAX_BODY_BYTES\.", message), message


def test_a_50_mb_id_is_refused_not_echoed(served) -> None:
    _, port, _ = served
    size = 50_000_000
    head = f"POST /analyze HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n"
    status, data, _ = raw_request(port, head, b'{"text": "Iran.", "id": "' + b"x" * 65536)
    assert status == 413 and b"x" * 100 not in data
    assert "The request body has 50,000,000 bytes: the limit is 4,194,304" in problem_of(data)


def test_a_chunked_body_is_cut_off_at_the_limit(served) -> None:
    _, port, _ = served
    # 16 + 4 MiB bytes: one byte past the limit is the last the client sends, so the server has read all
    # of it when it answers (data left unread would make the close a reset that loses the answer)
    chunk = b" " * 65536
    start = b'{"items": [     '
    body = b"%x\r\n%s\r\n" % (len(start), start) + b"".join(b"10000\r\n" + chunk + b"\r\n" for _ in range(LIMIT // 65536))
    head = "POST /classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
    status, data, _ = raw_request(port, head, body)
    assert status == 413
    assert re.search(r"The request body has more than 4,194,304 bytes: the limit is 4,194,304", problem_of(data))


def problem_of(response: bytes) -> str:
    """The message of a raw HTTP response's ErrorBody."""
    import json

    body = json.loads(response.split(b"\r\n\r\n", 1)[1])
    assert body["detail"][0]["loc"] == [] and body["detail"][0]["type"] == "body_too_large", body
    return body["error"]


def test_info_shows_no_server_path(served, tiny_bert) -> None:
    import httpx

    url, _, _ = served
    info = httpx.get(url + "/info").json()
    assert info["base_model"] == Path(tiny_bert).name and "/" not in info["base_model"], info["base_model"]
    assert info["limits"]["max_body_bytes"] == LIMIT and info["limits"]["max_id_chars"] == 2048


def test_unknown_paths_share_one_metrics_series(served) -> None:
    import httpx

    url, _, _ = served

    def series() -> list[str]:
        text = httpx.get(url + "/metrics").text
        return [line for line in text.splitlines() if line.startswith("bentoml_service_request_total{")]

    for _ in range(3):  # the series exists before the count
        httpx.get(f"{url}/{uuid.uuid4().hex}")
    before = series()
    for _ in range(200):
        assert httpx.get(f"{url}/{uuid.uuid4().hex}/x").status_code == 404
    assert httpx.get(url + "/web/static/no-such-file.js").status_code == 404
    after = series()
    assert len(after) <= len(before) + 1, set(after) - set(before)  # + the /web/static/{path} series at most
    unmatched = [line for line in after if 'endpoint="/_unmatched"' in line and 'http_response_code="404"' in line]
    assert unmatched and float(unmatched[0].rsplit(" ", 1)[1]) >= 203, unmatched
    assert not any(re.search(r'endpoint="/[0-9a-f]{32}', line) for line in after)
    # known routes keep their own series, and still route after relabelling
    assert any('endpoint="/classify"' in line for line in after)
    assert httpx.get(url + "/web/static/app.js").status_code == 200


def test_a_400_is_one_log_line_without_traceback(served) -> None:
    url, _, log = served
    marker = len(log)
    response = post(url + "/classify", {"items": [{**ITEM, "target_span": [0.5, 3]}]})
    assert response.status_code == 400
    time.sleep(0.5)  # the log reader thread
    written = b"".join(log[marker:]).decode(errors="replace")
    assert "Traceback" not in written, written
    lines = [line for line in written.splitlines() if "field=" in line]
    assert len(lines) == 1 and re.search(
        r"WARNING.*400 /classify field=items\.0\.target_span\.0: Input should be a valid integer", lines[0]
    ), written


def test_openapi_declares_the_error_bodies_sent(served) -> None:
    import httpx

    url, _, _ = served
    spec = httpx.get(url + "/docs.json").json()
    schemas = spec["components"]["schemas"]
    assert schemas["ErrorBody"]["properties"]["detail"]["type"] == "array"
    assert set(schemas["ErrorDetail"]["required"]) == {"type", "loc", "msg"}
    for route in ("/classify", "/analyze", "/analyze_batch", "/info"):
        responses = spec["paths"][route]["post"]["responses"]
        for status in ("400", "413", "415"):
            assert responses[status]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorBody"
            }, (route, status)


def test_body_limits_from_the_environment() -> None:
    from stance.errors import InputError
    from stance.http_limits import body_limits

    assert body_limits({}) == (LIMIT, 128 * 1024 * 1024)
    assert body_limits({"STANCE_MAX_BODY_BYTES": "1000", "STANCE_MAX_PAGE_BODY_BYTES": " 2000 "}) == (1000, 2000)
    with pytest.raises(InputError, match=r"STANCE_MAX_BODY_BYTES='4MB' is not a number of bytes: expected a positive "
                                         r"integer .* Fix: set STANCE_MAX_BODY_BYTES=4194304, or unset it\."):
        body_limits({"STANCE_MAX_BODY_BYTES": "4MB"})
