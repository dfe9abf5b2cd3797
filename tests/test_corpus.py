"""`stance corpus`: dyad time series, wire copies counted once, local = Spark, and a report Chromium renders."""

from __future__ import annotations

import json
import math
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from typer.testing import CliRunner

from stance.corpus import aggregate_files, aggregate_rows, write_corpus
from stance.corpus.rows import corpus_rows, duplicate_key, normalised, period_of
from stance.corpus.stats import mean_interval
from stance.errors import InputError
from tests.corpus_rows import WIRE, stance_rows
from tests.test_article_fixtures import tiny_model  # noqa: F401  (fixture)
from tests.local_server import CHROMIUM, launch_chromium


def write_rows(path: Path, rows: list[dict]) -> Path:
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=500)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """300 synthetic articles over 2019–2024; the same wire sentence (in case and punctuation variants) in 50."""
    return write_rows(tmp_path_factory.mktemp("corpus") / "stances.parquet", list(stance_rows(300, wire_copies=50)))


def test_periods_and_the_duplicate_key() -> None:
    assert [period_of("2024-03-21", p) for p in ("day", "week", "month", "year")] == [
        "2024-03-21", "2024-W12", "2024-03", "2024"]
    assert period_of("2024-12-30", "week") == "2025-W01"  # ISO weeks cross years
    assert period_of("2024-03", "week") is None and period_of("2024-03", "month") == "2024-03"
    assert period_of("2024-03-21T23:30:00+05:00", "day") == "2024-03-21" and period_of(None, "year") is None
    assert normalised("  The U.S. “condemned”\nIran’s LAUNCH.") == "the u s condemned iran s launch"
    assert duplicate_key(WIRE, "united-states", "iran") == duplicate_key(WIRE.upper() + " ", "united-states", "iran")
    assert duplicate_key(WIRE, "united-states", "iran") != duplicate_key(WIRE, "author", "iran")


def test_the_bootstrap_interval_is_reproducible_and_order_free() -> None:
    scores = [0.9, -0.2, 0.4, 0.1, 0.7, -0.5, 0.3]
    mean, low, high = mean_interval(scores, "a")
    assert mean == pytest.approx(sum(scores) / 7) and low < mean < high
    assert mean_interval(list(reversed(scores)), "a") == (mean, low, high)
    assert mean_interval(scores, "b") != (mean, low, high)  # each group draws its own resamples
    assert mean_interval([0.4], "a") == (0.4, None, None)
    big = [math.sin(i) for i in range(50_000)]  # a group this large is bootstrapped in slices of resamples
    m, lo, hi = mean_interval(big, "big")
    assert lo < m < hi and hi - lo < 0.02


def test_a_wire_sentence_in_50_articles_counts_once(corpus) -> None:
    once = aggregate_files([corpus], "year")
    every = aggregate_files([corpus], "year", dedupe=False)
    assert once.summary["duplicates_dropped"] == 49 and every.summary["duplicates_dropped"] == 0
    assert every.summary["rows_read"] == once.summary["rows_read"] == once.summary["statements_kept"] + 49

    def wire(result) -> list[dict]:
        rows = corpus_rows([corpus])
        keys = {r.key for r in rows if r.statement_text.upper().startswith(WIRE.upper()[:20])}
        assert len(keys) == 1
        return [d for d in result.dyads if (d["holder"], d["target"]) == ("united-states", "iran")]

    (kept,), (all_copies,) = wire(once), wire(every)
    assert all_copies["statements"] - kept["statements"] == 49 and kept["duplicates"] == 49
    # the copy kept is the earliest (the undated ones sort last), the first article id (as text) of that day
    copies = [e for e in once.evidence[("united-states", "iran")] if normalised(e["statement_text"]) == normalised(WIRE)]
    assert [(e["article"], e["date"]) for e in copies] == [("art-10", "2021-06-01")]


def test_the_same_words_said_again_months_later_count_again(tmp_path) -> None:
    rows = list(stance_rows(3, wire_copies=3))  # the wire sentence on 2021-06-02 and 2021-06-03 (art-0: undated)
    later = [{**r, "id": "art-late", "row": 99, "date": "2021-09-20"} for r in rows if r["id"] == "art-2"]
    path = write_rows(tmp_path / "stances.jsonl", rows + later)
    wire = ("united-states", "iran")

    def count(**options) -> int:
        return next(d["statements"] for d in aggregate_files([path], "year", **options).dyads
                    if (d["holder"], d["target"]) == wire)

    assert count() == 2  # June (art-1, art-2 and the undated art-0 as one) and September
    assert count(window_days=None) == 1 and count(dedupe=False) == 4
    assert count(window_days=200) == 1


def test_series_add_up_to_the_dyads(corpus) -> None:
    result = aggregate_files([corpus], "month")
    for dyad in result.dyads:
        rows = [r for r in result.series if (r["holder"], r["target"]) == (dyad["holder"], dyad["target"])]
        assert sum(r["statements"] for r in rows) <= dyad["statements"]
        assert all(r["favor"] + r["against"] + r["neutral"] == r["statements"] for r in rows)
    undated = result.summary["statements_without_period"]
    assert sum(r["statements"] for r in result.series) + undated == result.summary["statements_kept"] > 0
    authors = {d["holder"] for d in result.dyads if d["holder"].startswith("author")}
    assert authors == {"author:Outlet 0", "author:Outlet 1", "author:Outlet 2"}  # the author's view, by source


def test_local_and_spark_give_identical_numbers(corpus) -> None:
    pytest.importorskip("pyspark")
    local = aggregate_files([corpus], "week", top=5)
    spark = aggregate_files([corpus], "week", top=5, engine="spark", master="local[2]")
    assert spark.summary == local.summary
    assert len(spark.series) == len(local.series) > 100
    for a, b in zip(local.series + local.dyads, spark.series + spark.dyads, strict=True):
        for key, value in a.items():
            if isinstance(value, float):
                assert abs(value - b[key]) <= 1e-9, (key, a, b)
            else:
                assert value == b[key], (key, a, b)
    assert spark.evidence == local.evidence


def test_the_cli_writes_tables_summary_and_report(corpus, tmp_path) -> None:
    from stance.cli import app

    result = CliRunner().invoke(app, ["corpus", str(corpus), "-o", str(tmp_path / "out"), "--period", "year",
                                      "--format", "parquet", "--title", "Synthetic <corpus>"])
    assert result.exit_code == 0, result.output
    assert "49 duplicates dropped" in result.output and "within 7 days" in result.output
    import pyarrow.parquet as pq

    series = pq.read_table(tmp_path / "out" / "series.parquet").to_pylist()
    assert {r["period"] for r in series} == {"2019", "2020", "2021", "2022", "2023", "2024"}
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<title>Synthetic &lt;corpus&gt;</title>" in html and html.count("<svg") == 7  # 6 charts + network
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["duplicates_dropped"] == 49


def test_inputs_that_are_not_analyses_are_refused_with_a_fix(tmp_path) -> None:
    articles = write_rows(tmp_path / "articles.jsonl", [{"id": "a", "text": "Iran praised Russia."}])
    with pytest.raises(InputError, match=r"holds articles to analyse, not analyses.*stance score articles.jsonl "
                                         r"--mode articles -o articles.stances.parquet"):
        aggregate_files([articles])
    with pytest.raises(InputError, match=r"Unknown period 'fortnight'"):
        aggregate_files([articles], "fortnight")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"no such file or folder"):
        aggregate_files([tmp_path / "missing.parquet"])
    with pytest.raises(InputError, match=r"--engine spark reads the Parquet output"):
        aggregate_files([articles], engine="spark")


def test_analyses_from_the_analyze_command_aggregate_with_their_metadata(tmp_path) -> None:
    from stance.article.schema import ArticleAnalysis

    analysis = {"id": "a1", "date": "2024-05-02", "source": "State", "url": "https://example.org/a1", "length": 40,
                "actors": [{"id": "iran", "name": "Iran", "type": "state", "source": "gazetteer", "mentions": 1}],
                "mentions": [], "statements": [{"index": 0, "start": 0, "end": 20, "text": "We condemn Iran.",
                                                "quoted": False, "quotes": [], "speaker": None, "attribution": "author"}],
                "stances": [{"statement": 0, "holder": "author", "target": "iran", "target_start": 11, "target_end": 15,
                             "stance": "against", "stance_probs": {"against": 0.8, "neutral": 0.15, "favor": 0.05},
                             "sentiment": "negative", "sentiment_probs": {"negative": 0.8, "neutral": 0.1,
                                                                          "positive": 0.1}}],
                "pairs": [], "targets": []}
    path = tmp_path / "analyses.jsonl"
    path.write_text(ArticleAnalysis.model_validate(analysis).model_dump_json() + "\n")
    result = aggregate_rows(corpus_rows([path]), "month")
    assert [(r["holder"], r["holder_name"], r["period"], r["mean_score"]) for r in result.series] == [
        ("author:State", "State (author)", "2024-05", pytest.approx(-0.75))]
    assert result.evidence[("author:State", "iran")][0]["url"] == "https://example.org/a1"


@contextmanager
def opened(report: Path) -> Iterator[object]:
    """A headless Chromium page on the report file; fails the test on a console error or any request that
    leaves the file (the report must be self-contained)."""
    playwright = pytest.importorskip("playwright.sync_api")
    errors: list[str] = []
    with playwright.sync_playwright() as driver:
        browser = launch_chromium(driver)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.on("request", lambda r: None if r.url.startswith("file:") else errors.append(r.url))
        page.goto(report.as_uri())
        yield page
        browser.close()
    assert errors == []


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (Debian package `chromium`)")
def test_the_report_renders_in_chromium_without_console_errors(corpus, tmp_path) -> None:
    written = write_corpus(aggregate_files([corpus], "year"), tmp_path / "out")
    with opened(written["report"]) as page:
        assert page.locator("figure svg circle").count() > 20
        assert page.locator("h3").count() == 12 and page.locator("blockquote").count() > 12


@pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium (Debian package `chromium`)")
def test_the_report_on_data_corpus_renders_in_chromium(tmp_path, tiny_model) -> None:  # noqa: F811
    """data/corpus through `stance score --mode articles` (the tiny model stands in for the trained one: the
    stances are arbitrary, the actors, speakers, dates and links are the real pipeline's) and `stance corpus`."""
    from stance.batch.score import ScoreOptions, score_file

    articles = Path(__file__).resolve().parents[1] / "data" / "corpus" / "articles.jsonl"
    scored = score_file(articles, tmp_path / "stances.parquet", tiny_model, ScoreOptions(mode="articles", progress=False))
    assert scored.rows_read == scored.rows_scored >= 80 and scored.output_rows > 1000
    result = aggregate_files([Path(scored.output)], "year")
    assert result.summary["articles"] == scored.rows_read and result.summary["statements_without_period"] == 0
    assert {"author:The White House", "author:Voice of America"} <= {d["holder"] for d in result.dyads}
    written = write_corpus(result, tmp_path / "report", title="data/corpus")
    with opened(written["report"]) as page:
        assert page.locator("figure").count() == 6 and page.locator("h3").count() == 12
        links = page.locator("blockquote a").evaluate_all("els => els.map(e => e.href)")
        assert links and all(link.startswith("https://") for link in links)
