"""Write analyses as JSON Lines, CSV (one row per holder → target pair) or GraphML (the stance network).

GraphML uses only the standard library and loads in Gephi and `networkx.read_graphml`: nodes are
actors (attributes name, type, mentions), edges go holder → target with stance, score, confidence,
count and evidence (statement texts joined by " | "). Several articles make one network: a pair seen
in several articles becomes one edge whose score and confidence are count-weighted means.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Literal, Sequence
from xml.etree import ElementTree as ET

from stance.article.schema import ArticleAnalysis
from stance.schema import AUTHOR

Format = Literal["json", "csv", "graphml", "plover", "icews-csv"]
FORMATS: tuple[str, ...] = ("json", "csv", "graphml", "plover", "icews-csv")
CSV_METADATA = ("date", "source", "url")
"""The article's metadata in each pair row (tables written before it existed lack these columns)."""
CSV_COLUMNS = ("article", *CSV_METADATA, "holder", "holder_name", "target", "target_name", "stance", "score", "confidence", "count", "statements")
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
NODE_KEYS = (("name", "string"), ("type", "string"), ("mentions", "int"))
EDGE_KEYS = (("stance", "string"), ("score", "double"), ("confidence", "double"), ("count", "int"), ("evidence", "string"))


def to_jsonl(analyses: Sequence[ArticleAnalysis]) -> str:
    """One JSON object per line, one line per article."""
    return "".join(a.model_dump_json() + "\n" for a in analyses)


def _names(analysis: ArticleAnalysis) -> dict[str, str]:
    return {AUTHOR: "author", **{a.id: a.name for a in analysis.actors}}


def to_csv(analyses: Sequence[ArticleAnalysis]) -> str:
    """The (holder, target) roll-ups of every article, one CSV row each."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for number, analysis in enumerate(analyses):
        names = _names(analysis)
        for pair in analysis.pairs:
            writer.writerow([
                analysis.id or number, analysis.date, analysis.source, analysis.url, pair.holder, names.get(pair.holder or "", pair.holder), pair.target,
                names.get(pair.target, pair.target), pair.stance, pair.score, pair.confidence, pair.count,
                " ".join(str(e.statement) for e in pair.evidence),
            ])
    return out.getvalue()


def network(analyses: Sequence[ArticleAnalysis]) -> tuple[dict[str, dict], dict[tuple[str, str], dict]]:
    """Nodes (id → attributes) and edges ((holder, target) → attributes) over all articles."""
    nodes: dict[str, dict] = {}
    edges: dict[tuple[str, str], dict] = {}
    for analysis in analyses:
        for actor in analysis.actors:
            node = nodes.setdefault(actor.id, {"name": actor.name, "type": actor.type, "mentions": 0})
            node["mentions"] += actor.mentions
        for pair in analysis.pairs:
            if pair.holder == AUTHOR:
                nodes.setdefault(AUTHOR, {"name": "author", "type": "author", "mentions": 0})
            edge = edges.setdefault((pair.holder or AUTHOR, pair.target), {"count": 0, "score": 0.0, "confidence": 0.0,
                                                                           "votes": {}, "evidence": []})
            edge["score"] += pair.score * pair.count
            edge["confidence"] += pair.confidence * pair.count
            edge["count"] += pair.count
            edge["votes"][pair.stance] = edge["votes"].get(pair.stance, 0) + pair.count
            edge["evidence"].extend(e.text for e in pair.evidence)
    for edge in edges.values():
        edge["score"] = round(edge["score"] / edge["count"], 4)
        edge["confidence"] = round(edge["confidence"] / edge["count"], 4)
        edge["stance"] = max(sorted(edge.pop("votes").items()), key=lambda kv: kv[1])[0]
        edge["evidence"] = " | ".join(edge["evidence"])
    return nodes, edges


def to_graphml(analyses: Sequence[ArticleAnalysis]) -> str:
    """The stance network of the articles as a GraphML document (directed)."""
    ET.register_namespace("", GRAPHML_NS)
    root = ET.Element(f"{{{GRAPHML_NS}}}graphml")
    for domain, keys in (("node", NODE_KEYS), ("edge", EDGE_KEYS)):
        for name, type_ in keys:
            ET.SubElement(root, f"{{{GRAPHML_NS}}}key", {"id": f"{domain[0]}_{name}", "for": domain,
                                                         "attr.name": name, "attr.type": type_})
    graph = ET.SubElement(root, f"{{{GRAPHML_NS}}}graph", {"id": "stance", "edgedefault": "directed"})
    nodes, edges = network(analyses)
    for node_id, attrs in nodes.items():
        node = ET.SubElement(graph, f"{{{GRAPHML_NS}}}node", {"id": _xml_safe(node_id)})
        _data(node, "n", attrs, NODE_KEYS)
    for number, ((holder, target), attrs) in enumerate(edges.items()):
        edge = ET.SubElement(graph, f"{{{GRAPHML_NS}}}edge", {"id": f"e{number}", "source": _xml_safe(holder),
                                                        "target": _xml_safe(target)})
        _data(edge, "e", attrs, EDGE_KEYS)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _data(parent: ET.Element, prefix: str, attrs: dict, keys: tuple) -> None:
    for name, _ in keys:
        element = ET.SubElement(parent, f"{{{GRAPHML_NS}}}data", {"key": f"{prefix}_{name}"})
        element.text = _xml_safe(str(attrs[name]))


def _xml_safe(text: str) -> str:
    # XML 1.0 forbids most control characters: a stray \x01 in an article would make the file unreadable.
    return _XML_FORBIDDEN.sub(" ", text)


def render(analyses: Sequence[ArticleAnalysis], format: Format) -> str:
    """The analyses in `format` (json = JSON Lines, csv, graphml; plover, icews-csv: `stance.article.events`)."""
    from stance.article.events import to_icews_csv, to_plover

    writers = {"json": to_jsonl, "csv": to_csv, "graphml": to_graphml, "plover": to_plover, "icews-csv": to_icews_csv}
    return writers[format](analyses)
