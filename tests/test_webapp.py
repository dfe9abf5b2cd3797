"""The analysts' page (`stance.web`, docs/webapp.md) in a real browser against a real `bentoml serve`.

Headless Debian Chromium (/usr/bin/chromium) driven by Playwright loads the page from the server of
tests/test_article_serve.py (the tiny untrained model in a temporary store, the shipped gazetteer), so
stance labels are arbitrary: the tests check that what the page shows is what /analyze returns for the
same text, that every message reaches the page, and that the downloads are the CLI exporters' files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

import pytest

from tests.local_server import CHROMIUM, launch_chromium
from tests.test_article_fixtures import tiny_model  # noqa: F401  (fixture)
from tests.test_article_serve import FRENCH, server, store  # noqa: F401  (fixtures)

ARTICLE = (
    "Sergei Lavrov said the sanctions on Iran were illegal. The Kremlin praised Tehran.\n\n"
    "China criticised the United States for the new tariffs. "
    "\"We will not accept this,\" said Wang Yi, adding that Russia was a reliable partner."
)
CORPUS = [
    {"id": "a1", "text": "Sergei Lavrov said the sanctions on Iran were illegal. The Kremlin praised Tehran."},
    {"id": "a2", "text": "The Kremlin condemned the sanctions on Iran. Sergei Lavrov said Iran was a friend."},
]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (Debian package `chromium`)")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    with playwright.sync_playwright() as driver:
        browser = launch_chromium(driver)
        yield browser
        browser.close()


NETWORK_LINE = re.compile(r"Failed to load resource: the server responded with a status of (4\d\d)")


@pytest.fixture()
def page(browser, server, request):  # noqa: F811
    """A fresh page at the service's root; fails the test on any console error or request to another host.

    Chromium itself logs every 4xx answer to fetch() as a console error ("Failed to load resource"); a test
    marked `provokes_4xx` allows one such line per 4xx answer it provoked, nothing else."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    answered_4xx: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda err: errors.append(f"page error: {err}"))
    page.on("request", lambda r: None if r.url.startswith((server, "data:", "blob:")) else errors.append(r.url))
    page.on("response", lambda r: answered_4xx.append(str(r.status)) if 400 <= r.status < 500 else None)
    page.goto(f"{server}/")
    yield page
    context.close()
    if request.node.get_closest_marker("provokes_4xx"):
        for status in answered_4xx:
            line = next((e for e in errors if (m := NETWORK_LINE.search(e)) and m.group(1) == status), None)
            if line is not None:
                errors.remove(line)
    assert errors == [], errors


def analyze(server: str, text: str) -> dict:  # noqa: F811
    import httpx

    response = httpx.post(f"{server}/analyze", json={"text": text}, timeout=60)
    assert response.status_code == 200, response.text[:300]
    return response.json()


def run_article(page, text: str) -> None:
    page.fill("#text", text)
    page.click("#analyze")  # the button is disabled until the answer is shown
    page.wait_for_selector("#analyze:not([disabled])")


def not_blank(path: Path) -> float:
    """The grey-level standard deviation of a screenshot (0 for a blank one)."""
    from PIL import Image

    counts = Image.open(path).convert("L").histogram()  # pixels per grey level 0..255
    total = sum(counts)
    mean = sum(level * n for level, n in enumerate(counts)) / total
    return (sum(n * (level - mean) ** 2 for level, n in enumerate(counts)) / total) ** 0.5


def test_the_article_view_shows_what_analyze_returns(page, server, tmp_path) -> None:  # noqa: F811
    expected = analyze(server, ARTICLE)
    names = {"author": "author", **{a["id"]: a["name"] for a in expected["actors"]}}
    assert expected["pairs"], "the article must give the network something to draw"
    run_article(page, ARTICLE)
    assert page.is_visible("#result") and page.inner_text("#text-error") == ""

    marks = page.eval_on_selector_all(".mention", "els => els.map(e => [e.dataset.actor, e.textContent, +e.dataset.start])")
    assert marks == [[m["actor"], m["text"], m["start"]] for m in expected["mentions"]]
    speakers = page.eval_on_selector_all(".speaker", "els => els.map(e => e.textContent)")
    assert speakers == [names[s["speaker"]] if s["speaker"] else "author" for s in expected["statements"]]
    # the page shows the whole text, unchanged, around its highlights
    assert page.evaluate("""() => { const copy = document.querySelector('#article').cloneNode(true);
        copy.querySelectorAll('.speaker').forEach(e => e.remove()); return copy.textContent; }""") == ARTICLE

    edges = page.eval_on_selector_all(".edge", "els => els.map(e => [e.dataset.holder, e.dataset.target, e.dataset.stance])")
    assert sorted(edges) == sorted([p["holder"], p["target"], p["stance"]] for p in expected["pairs"])
    for pair in expected["pairs"]:
        # by keyboard: the mouse's aim point (the centre of an edge's box) may lie on a crossing edge
        page.focus(f'.edge[data-holder="{pair["holder"]}"][data-target="{pair["target"]}"]')
        page.keyboard.press("Enter")
        shown = page.eval_on_selector_all("#result [data-role=evidence] li", "els => els.map(e => +e.dataset.statement)")
        assert shown == [e["statement"] for e in pair["evidence"]]
        marked = page.eval_on_selector_all(".statement.evidence", "els => els.map(e => +e.dataset.index)")
        assert sorted(marked) == sorted({e["statement"] for e in pair["evidence"]})
        stance = next(s for s in expected["stances"] if (s["holder"], s["target"], s["statement"]) ==
                      (pair["holder"], pair["target"], pair["evidence"][0]["statement"]))
        probs = ", ".join(f"{k} {v:.2f}" for k, v in stance["stance_probs"].items())
        assert probs in page.inner_text("#result [data-role=evidence] li >> nth=0")
        assert page.evaluate("""() => { const box = document.querySelector('#article').getBoundingClientRect();
            const st = document.querySelector('.statement.evidence').getBoundingClientRect();
            return st.bottom > box.top && st.top < box.bottom; }"""), "the text did not scroll to the evidence"

    # a pair's button in the table selects its edge; a mention's card opens on focus
    last = expected["pairs"][-1]
    page.click(f"#pairs-table tbody tr:nth-child({len(expected['pairs'])}) button")
    assert page.get_attribute(f'.edge[data-holder="{last["holder"]}"][data-target="{last["target"]}"]',
                              "aria-pressed") == "true"
    assert page.inner_text("#result [data-role=evidence] h3").startswith(f"{names[last['holder']]} \u2192")
    page.focus(".mention >> nth=0")
    card = page.inner_text("#actor-card")
    first = next(a for a in expected["actors"] if a["id"] == expected["mentions"][0]["actor"])
    assert first["name"] in card and first["type"] in card and f"Mentions\n{first['mentions']}" in card

    # the tables: one row per pair, sortable; one per target
    assert page.locator("#pairs-table tbody tr").count() == len(expected["pairs"])
    assert page.locator("#targets-table tbody tr").count() == len(expected["targets"])
    page.click("#pairs-table th:nth-child(3) button")
    scores = [float(s.replace("\u2212", "-")) for s in page.eval_on_selector_all(
        "#pairs-table tbody td:nth-child(3)", "els => els.map(e => e.textContent)")]
    assert scores == sorted(scores, reverse=True)
    assert page.get_attribute("#pairs-table th:nth-child(3)", "aria-sort") == "descending"

    page.screenshot(path=tmp_path / "article.png", full_page=True)
    assert not_blank(tmp_path / "article.png") > 20


def test_a_crowded_network_draws_the_pairs_with_most_statements(page, server) -> None:  # noqa: F811
    states = ["Afghanistan", "Albania", "Algeria", "Angola", "Argentina", "Armenia", "Australia", "Austria",
              "Bahrain", "Bangladesh", "Belarus", "Belgium", "Bolivia", "Brazil", "Bulgaria", "Cambodia",
              "Cameroon", "Canada", "Chile", "China", "Colombia", "Costa Rica", "Croatia", "Cuba", "Denmark",
              "Ecuador", "Egypt", "Estonia", "Ethiopia", "Finland", "France", "Georgia"]
    text = "Russia praised Iran. " + " ".join(f"Russia criticised {name}." for name in states)
    expected = analyze(server, text)
    kept: set[str] = set()
    drawn = []
    for pair in expected["pairs"]:  # the page's rule: most statements first, while the actors fit in 28
        extra = {pair["holder"], pair["target"]} - kept
        if len(kept) + len(extra) <= 28:
            kept |= extra
            drawn.append([pair["holder"], pair["target"]])
    assert len(drawn) < len(expected["pairs"])
    run_article(page, text)
    edges = page.eval_on_selector_all(".edge", "els => els.map(e => [e.dataset.holder, e.dataset.target])")
    assert edges == drawn and page.locator(".node").count() == 28
    assert page.inner_text("#result [data-role=network-note]") == (
        f"Showing the {len(drawn)} of {len(expected['pairs'])} holder \u2192 target pairs with the most statements "
        "among 28 actors; the table lists them all.")
    assert page.locator("#pairs-table tbody tr").count() == len(expected["pairs"])


def test_downloads_are_the_cli_exporters_files(page, server, tmp_path) -> None:  # noqa: F811
    from stance.article.export import render
    from stance.article.schema import ArticleAnalysis

    expected = ArticleAnalysis.model_validate(analyze(server, ARTICLE))
    run_article(page, ARTICLE)
    formats = (("json", "jsonl"), ("csv", "csv"), ("graphml", "graphml"), ("plover", "plover.jsonl"),
               ("icews-csv", "icews.csv"))
    for format, suffix in formats:
        with page.expect_download() as info:
            page.click(f'#result button[data-format="{format}"]')
        download = info.value
        assert download.suggested_filename == f"stance-analysis.{suffix}"
        assert Path(download.path()).read_text() == render([expected], format)


@pytest.mark.provokes_4xx
@pytest.mark.parametrize("text, where, message", [
    ("", "#text-error", r"text is empty: expected the article as plain text\. Fix:"),
    ("Russia praised Iran. " * 9524, "#text-error", r"text has 200,004 characters: the limit is 100,000 per request\. Fix:"),
    (FRENCH, "#text-warnings", r"does not look like English"),
    ("The weather was fine and the trains ran on time.", "#text-warnings", r"No actors found: no stances to report\."),
])
def test_each_problem_is_shown_next_to_the_text(page, text, where, message) -> None:
    run_article(page, text)
    assert page.is_visible(where)
    assert re.search(message, page.inner_text(where)), page.inner_text(where)


@pytest.mark.provokes_4xx
def test_actor_and_file_problems_are_shown_next_to_their_inputs(page) -> None:
    from playwright.sync_api import expect

    page.fill("#actors", "Sergei Lavrov | person\nAcme | company")
    run_article(page, "Sergei Lavrov praised Acme.")
    assert re.search(r"Actor on line 2: Input should be 'person', 'state'", page.inner_text("#actors-error"))
    page.fill("#actors", "")
    page.check("#actors-only")
    run_article(page, "Sergei Lavrov praised Iran.")
    assert "actors_only is set but no actors were given" in page.inner_text("#actors-error")
    page.set_input_files("#file", files=[{"name": "article.pdf", "mimeType": "application/pdf", "buffer": b"%PDF"}])
    assert "article.pdf is not a .txt file" in page.inner_text("#file-error")
    page.set_input_files("#file", files=[{"name": "a.txt", "mimeType": "text/plain", "buffer": ARTICLE.encode()}])
    expect(page.locator("#text")).to_have_value(ARTICLE)
    assert not page.is_visible("#file-error")


def test_the_corpus_view_aggregates_dyads_with_their_evidence(page, server, tmp_path) -> None:  # noqa: F811
    import httpx

    batch = httpx.post(f"{server}/analyze_batch", json={"articles": CORPUS}, timeout=60).json()
    page.click("#tab-corpus")
    content = "".join(json.dumps(a) + "\n" for a in CORPUS) + "{broken\n"
    page.set_input_files("#corpus-file", files=[{"name": "news.jsonl", "mimeType": "application/x-ndjson",
                                                 "buffer": content.encode()}])
    page.click("#analyze-corpus")
    page.wait_for_selector("#corpus-result:not([hidden])")
    assert "Row 3 skipped: not valid JSON" in page.inner_text("#corpus-warnings")

    dyads: dict[tuple[str, str], dict] = {}
    for number, analysis in enumerate(batch):
        for pair in analysis["pairs"]:
            dyad = dyads.setdefault((pair["holder"], pair["target"]), {"count": 0, "articles": set()})
            dyad["count"] += pair["count"]
            dyad["articles"].add(number)
    rows = page.eval_on_selector_all("#dyads-table tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
    assert len(rows) == len(dyads)
    edges = page.eval_on_selector_all("#corpus-result .edge", "els => els.map(e => [e.dataset.holder, e.dataset.target])")
    assert sorted(map(tuple, edges)) == sorted(dyads)
    assert sorted((int(r[4]), int(r[5])) for r in rows) == sorted((d["count"], len(d["articles"])) for d in dyads.values())

    holder, target = max(dyads, key=lambda k: len(dyads[k]["articles"]))
    page.focus(f'#corpus-result .edge[data-holder="{holder}"][data-target="{target}"]')
    page.keyboard.press("Enter")
    shown = page.eval_on_selector_all("#corpus-result [data-role=evidence] li", "els => els.map(e => +e.dataset.article)")
    assert sorted(set(shown)) == sorted(dyads[(holder, target)]["articles"])
    page.screenshot(path=tmp_path / "corpus.png", full_page=True)
    assert not_blank(tmp_path / "corpus.png") > 20

    # an evidence link opens its article in the article view, scrolled to the statement
    page.click("#corpus-result [data-role=evidence] li button >> nth=0")
    assert page.is_visible("#article-view") and page.input_value("#text") == CORPUS[shown[0]]["text"]
    assert page.locator(".statement.evidence").count() >= 1


def dyads_of(analyses) -> dict[tuple[str, str], tuple[int, int]]:
    """(holder, target) -> (statements, articles) over `analyses`, as the dyad table must count them."""
    dyads: dict[tuple[str, str], list] = {}
    for number, analysis in enumerate(analyses):
        for pair in analysis["pairs"]:
            dyad = dyads.setdefault((pair["holder"] or "author", pair["target"]), [0, set()])
            dyad[0] += pair["count"]
            dyad[1].add(number)
    return {key: (count, len(articles)) for key, (count, articles) in dyads.items()}


def open_corpus_file(page, name: str, content: bytes) -> None:
    page.click("#tab-corpus")
    page.set_input_files("#corpus-file", files=[{"name": name, "mimeType": "application/octet-stream", "buffer": content}])
    page.click("#analyze-corpus")
    page.wait_for_selector("#corpus-result:not([hidden])")


@pytest.mark.parametrize("format", ["csv", "parquet"])
def test_the_corpus_view_opens_a_score_articles_output(page, server, tmp_path, tiny_model, format) -> None:  # noqa: F811
    """The output of `stance score --mode articles` (no model work in the page): the dyads, their counts,
    evidence and, in the article view, each statement at its offsets."""
    from stance.batch import ScoreOptions, score_file
    from stance.batch.formats import read_records
    from stance.batch.outputs import analyses_from_stance_rows

    source = tmp_path / "articles.jsonl"
    source.write_text("".join(json.dumps(a) + "\n" for a in CORPUS))
    summary = score_file(source, tmp_path / f"out.{format}", tiny_model, ScoreOptions(mode="articles", progress=False))
    back, _ = analyses_from_stance_rows(read_records(Path(summary.output), format))
    expected = dyads_of([a.model_dump() for a in back])
    assert len(expected) >= 2 and any(articles == 2 for _, articles in expected.values())
    open_corpus_file(page, f"out.{format}", Path(summary.output).read_bytes())
    assert "Opened 2 articles from" in page.inner_text("#corpus-status")
    assert "stance score --mode articles output" in page.inner_text("#corpus-status")
    edges = page.eval_on_selector_all("#corpus-result .edge", "els => els.map(e => [e.dataset.holder, e.dataset.target])")
    assert sorted(map(tuple, edges)) == sorted(expected)
    rows = page.eval_on_selector_all("#dyads-table tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
    assert sorted((int(r[4]), int(r[5])) for r in rows) == sorted(expected.values())

    holder, target = max(expected, key=lambda k: expected[k])
    page.focus(f'#corpus-result .edge[data-holder="{holder}"][data-target="{target}"]')
    page.keyboard.press("Enter")
    shown = page.eval_on_selector_all("#corpus-result [data-role=evidence] li", "els => els.map(e => +e.dataset.article)")
    assert sorted(set(shown)) == list(range(expected[(holder, target)][1]))
    page.click("#corpus-result [data-role=evidence] li button >> nth=0")
    text = page.input_value("#text")
    original = CORPUS[shown[0]]["text"]
    statements = back[shown[0]].statements
    assert statements and all(text[s.start:s.end] == original[s.start:s.end] == s.text for s in statements)
    assert page.locator(".statement.evidence").count() >= 1


def test_the_corpus_view_opens_an_analyze_output(page, server, tmp_path) -> None:  # noqa: F811
    import httpx

    batch = httpx.post(f"{server}/analyze_batch", json={"articles": CORPUS}, timeout=60).json()
    lines = "".join(json.dumps(a) + "\n" for a in batch) + '{"id": "x", "length": 3}\n'
    open_corpus_file(page, "analyses.jsonl", lines.encode())
    assert "stance analyze output" in page.inner_text("#corpus-status")
    assert "Row 3 skipped: not an article analysis: actors: Field required" in page.inner_text("#corpus-warnings")
    expected = dyads_of(batch)
    rows = page.eval_on_selector_all("#dyads-table tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
    assert sorted((int(r[4]), int(r[5])) for r in rows) == sorted(expected.values())
    page.screenshot(path=tmp_path / "opened.png", full_page=True)
    assert not_blank(tmp_path / "opened.png") > 20


@pytest.mark.provokes_4xx
def test_a_corpus_over_the_limits_gets_the_offline_command(page) -> None:
    page.click("#tab-corpus")
    rows = "".join(json.dumps({"id": f"r{i}", "text": "Iran."}) + "\n" for i in range(65))
    page.set_input_files("#corpus-file", files=[{"name": "big.jsonl", "mimeType": "application/x-ndjson",
                                                 "buffer": rows.encode()}])
    page.click("#analyze-corpus")
    page.wait_for_selector("#corpus-command:not([hidden])")
    assert "big.jsonl has 65 articles: the page analyses at most 64 articles" in page.inner_text("#corpus-error")
    assert page.inner_text("#corpus-command") == "stance score big.jsonl --mode articles -o big.stances.jsonl"


def test_the_page_at_root_and_the_openapi_page_at_docs(server) -> None:  # noqa: F811
    import httpx

    root = httpx.get(f"{server}/")
    assert root.status_code == 200 and "Who says what about whom" in root.text
    assert "default-src 'self'" in root.headers["content-security-policy"]
    assert not re.search(r"(src|href)=\"(https?:)?//", root.text), "the page links another host"
    docs = httpx.get(f"{server}/docs")
    assert docs.status_code == 200 and 'id="swagger-ui"' in docs.text
    assert httpx.get(f"{server}/static_content/swagger-ui.css").status_code == 200
    assert httpx.get(f"{server}/docs.json").json()["paths"]["/analyze"]


def test_the_bento_carries_the_page() -> None:
    from fnmatch import fnmatch

    import yaml

    from stance.web import STATIC_DIR

    root = Path(__file__).resolve().parents[1]
    include = yaml.safe_load((root / "bentofile.yaml").read_text())["include"]
    files = sorted(p.relative_to(root).as_posix() for p in STATIC_DIR.iterdir())
    assert files == ["stance/web/static/app.js", "stance/web/static/index.html", "stance/web/static/style.css"]
    assert all(any(fnmatch(f, pattern) for pattern in include) for f in files), include


def test_the_web_helpers_say_what_is_wrong(server) -> None:  # noqa: F811
    import httpx

    bad_format = httpx.post(f"{server}/web/export?format=pdf", json={"analyses": []})
    assert bad_format.status_code == 400
    assert bad_format.json()["error"] == ("Unknown format 'pdf': expected one of ['json', 'csv', 'graphml', 'plover', "
                                          "'icews-csv'].")
    not_analysis = httpx.post(f"{server}/web/export?format=csv", json={"analyses": [{"id": "x"}]})
    assert not_analysis.status_code == 400 and "analyses.0.length: Field required" in not_analysis.json()["error"]
    none = httpx.post(f"{server}/web/export?format=csv", json={"analyses": []})
    assert "analyses has 0 entries: expected 1 to 2,000" in none.json()["error"]
    parquet = httpx.post(f"{server}/web/corpus", json={"filename": "x.parquet", "content": ""})
    assert parquet.status_code == 400 and "sent base64-encoded in content_base64, which is missing" in parquet.json()["error"]
    not_base64 = httpx.post(f"{server}/web/corpus", json={"filename": "x.parquet", "content_base64": "&&"})
    assert not_base64.status_code == 400 and "content_base64 is not base64" in not_base64.json()["error"]
    quote = httpx.post(f"{server}/web/corpus", json={"filename": "q.csv", "content": 'id,text\n1,Iran praised China.\n2,"Russia\n3,Iran.\n'})
    assert quote.status_code == 400 and "line" in quote.json()["error"] and "Fix:" in quote.json()["error"], quote.json()
    unknown = httpx.post(f"{server}/web/corpus", json={"filename": "x.pdf", "content": ""})
    assert unknown.status_code == 400 and "x.pdf" in unknown.json()["error"]
    csv = httpx.post(f"{server}/web/corpus", json={"filename": "x.csv", "content": "id,text\n1,Iran praised China.\n2,\n"})
    assert csv.json() == {"kind": "articles", "articles": [{"id": "1", "text": "Iran praised China."}],
                          "rejects": [{"row": 2, "error": "no 'text' field with the article's text"}]}
