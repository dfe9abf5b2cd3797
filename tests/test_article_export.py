"""Exports: JSON Lines, CSV and GraphML (read back with networkx, as Gephi users would)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from stance.article import ArticleAnalysis, analyze_articles
from stance.article.export import CSV_COLUMNS, network, render
from tests.test_article_fixtures import analyzer, nlp, tiny_model  # noqa: F401  (fixtures)

TEXTS = [
    "Sergei Lavrov said the sanctions on Russia were illegal. The Kremlin praised Iran.",
    "The Kremlin praised Iran again. Iran\x01 thanked Russia.",  # a control character XML forbids
]


@pytest.fixture(scope="module")
def analyses(analyzer) -> list[ArticleAnalysis]:  # noqa: F811
    return analyze_articles(analyzer, TEXTS, ids=["one", "two"])


def test_json_lines_round_trip(analyses) -> None:
    lines = render(analyses, "json").splitlines()
    assert [ArticleAnalysis.model_validate_json(line) for line in lines] == analyses


def test_csv_has_one_row_per_pair(analyses) -> None:
    rows = list(csv.DictReader(io.StringIO(render(analyses, "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == sum(len(a.pairs) for a in analyses)
    assert {("one", "russia", "iran")} <= {(r["article"], r["holder"], r["target"]) for r in rows}


def test_graphml_loads_in_networkx_with_typed_attributes(analyses, tmp_path) -> None:
    nx = pytest.importorskip("networkx")
    path = tmp_path / "net.graphml"
    path.write_text(render(analyses, "graphml"), encoding="utf-8")
    graph = nx.read_graphml(path)
    assert graph.is_directed()
    assert graph.nodes["russia"]["type"] == "state" and graph.nodes["russia"]["name"] == "Russia"
    edge = graph.edges["russia", "iran"]
    assert edge["count"] == 2 and -1 <= edge["score"] <= 1 and edge["stance"] in ("against", "neutral", "favor")
    assert "The Kremlin praised Iran" in edge["evidence"]
    nodes, edges = network(analyses)
    assert set(graph.nodes) == set(nodes) and graph.number_of_edges() == len(edges)


def test_a_pair_in_two_articles_is_one_edge_with_a_count_weighted_score(analyses) -> None:
    nodes, edges = network(analyses)
    pairs = [p for a in analyses for p in a.pairs if (p.holder, p.target) == ("russia", "iran")]
    expected = sum(p.score * p.count for p in pairs) / sum(p.count for p in pairs)
    assert edges[("russia", "iran")]["score"] == pytest.approx(expected, abs=1e-4)
    assert json.dumps(nodes)  # plain data
