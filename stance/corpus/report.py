"""The corpus report: one self-contained HTML page (inline SVG, no script, nothing fetched).

Sections: what was aggregated; the top dyads over time (one small chart each: the mean score per period
with its bootstrap interval, dot area by statements); the corpus network (actors of the strongest dyads on
a circle, arrows holder → target coloured by mean score). Charts put periods on a time axis: a gap of years
shows as a gap; and per dyad its totals and strongest evidence
sentences, linked to their articles.
"""

from __future__ import annotations

import datetime as dt
import math
from html import escape
from typing import Any, Optional, Sequence

from stance.corpus.aggregate import CorpusResult, top_dyads

FAVOR_COLOUR, AGAINST_COLOUR, NEUTRAL_COLOUR = "#2166ac", "#b2182b", "#8c8c8c"
NETWORK_EDGES = 40
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:1px solid #ddd}h3{font-size:1.05rem}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}.charts{display:flex;flex-wrap:wrap;gap:1rem}
figure{margin:0}figcaption{font-size:.85rem;color:#444;max-width:340px}.favor{color:#2166ac}.against{color:#b2182b}
blockquote{margin:.3rem 0 .6rem 0;padding-left:.8rem;border-left:3px solid #ccc}.meta{font-size:.85rem;color:#555}
"""


def render_report(result: CorpusResult, title: Optional[str] = None, charts: int = 6) -> str:
    """The report of `result` as an HTML document."""
    title = title or "Stance corpus report"
    top = top_dyads(result.dyads, len(result.evidence) or 12)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>", _summary(result.summary),
        "<h2>Top dyads over time</h2>", _charts(result, top[:charts]),
        "<h2>The corpus network</h2>", _network(result.dyads),
        "<h2>Dyads and their strongest evidence</h2>", _dyad_table(top),
        *(_dyad_section(d, result.evidence.get((d["holder"], d["target"]), [])) for d in top),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _summary(summary: dict[str, Any]) -> str:
    days = summary.get("duplicate_window_days")
    window = "whatever their dates" if days is None else f"within {days} days of the first copy"
    dup = (f"counted once {window} (copies dropped: {summary['duplicates_dropped']:,})" if summary.get("dedupe")
           else "all counted (--keep-duplicates)")
    rows = [
        ("articles", f"{summary['articles']:,}"), ("statement stances read", f"{summary['rows_read']:,}"),
        ("near-duplicate statements (wire copies)", dup), ("statements kept", f"{summary['statements_kept']:,}"),
        (f"without a date at {summary['period']} precision", f"{summary['statements_without_period']:,}"),
        ("dates", f"{summary.get('first_date') or '–'} to {summary.get('last_date') or '–'}"),
        ("dyads (holder → target)", f"{summary['dyads']:,}"), ("period", summary["period"]),
    ]
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows)
    return (f"<table>{body}</table><p class=\"meta\">Score: P(favor) − P(against) of each statement toward the "
            "target, in [−1, 1]; a dyad's score is the mean over its statements, with a 95% percentile bootstrap "
            "interval (1,000 resamples).</p>")


def _label(dyad: dict[str, Any]) -> str:
    return f"{dyad['holder_name']} → {dyad['target_name']}"


def _charts(result: CorpusResult, dyads: Sequence[dict[str, Any]]) -> str:
    if not dyads:
        return "<p>No dyads: the corpus has no stances.</p>"
    by_dyad: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in result.series:
        by_dyad.setdefault((row["holder"], row["target"]), []).append(row)
    periods = sorted({row["period"] for row in result.series})
    figures = [_chart(d, by_dyad.get((d["holder"], d["target"]), []), periods) for d in dyads]
    return f'<div class="charts">{"".join(figures)}</div>'


def _chart(dyad: dict[str, Any], rows: list[dict[str, Any]], periods: list[str]) -> str:
    width, height, left, right, top, bottom = 340, 190, 34, 10, 10, 34
    inner_w, inner_h = width - left - right, height - top - bottom
    low, high = _ordinal(periods[0]), _ordinal(periods[-1])
    x = lambda p: left + 8 + (_ordinal(p) - low) / max(1, high - low) * (inner_w - 16)  # noqa: E731
    y = lambda s: top + (1 - (s + 1) / 2) * inner_h  # noqa: E731
    most = max((r["statements"] for r in rows), default=1)
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
           f'aria-label="{escape(_label(dyad))}: mean score per period">']
    for value in (-1, 0, 1):
        svg.append(f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                   f'stroke="{"#999" if value == 0 else "#e4e4e4"}"/>'
                   f'<text x="{left - 4}" y="{y(value) + 4:.1f}" font-size="10" text-anchor="end">{value:+d}</text>')
    points = []
    for row in rows:
        cx, cy = x(row["period"]), y(row["mean_score"])
        points.append(f"{cx:.1f},{cy:.1f}")
        if row["score_low"] is not None:
            svg.append(f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y(row["score_low"]):.1f}" '
                       f'y2="{y(row["score_high"]):.1f}" stroke="#bbb" stroke-width="3"/>')
    if len(points) > 1:
        svg.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#555" stroke-width="1"/>')
    for row in rows:
        r = 2.5 + 5 * math.sqrt(row["statements"] / most)
        svg.append(f'<circle cx="{x(row["period"]):.1f}" cy="{y(row["mean_score"]):.1f}" r="{r:.1f}" '
                   f'fill="{_colour(row["mean_score"])}"><title>{escape(row["period"])}: mean {row["mean_score"]:+.2f}, '
                   f'{row["statements"]} statements in {row["articles"]} articles</title></circle>')
    for p in _ticks(periods):
        svg.append(f'<text x="{x(p):.1f}" y="{height - bottom + 14}" font-size="10" text-anchor="middle">'
                   f"{escape(p)}</text>")
    svg.append("</svg>")
    caption = (f"<figcaption><b>{escape(_label(dyad))}</b>: {dyad['statements']} statements, "
               f"{len(rows)} of {len(periods)} periods</figcaption>")
    return f"<figure>{''.join(svg)}{caption}</figure>"


def _ordinal(period: str) -> int:
    """A period's place on a time axis (days since year 1): years, months, ISO weeks and days alike."""
    if "-W" in period:
        return dt.date.fromisocalendar(int(period[:4]), int(period[6:]), 1).toordinal()
    return dt.date(int(period[:4]), int(period[5:7] or 1), int(period[8:10] or 1)).toordinal()


def _ticks(periods: list[str], most: int = 5) -> list[str]:
    """At most `most` periods to label, spread evenly in time (the nearest period to each even step)."""
    if len(periods) <= most:
        return periods
    low, high = _ordinal(periods[0]), _ordinal(periods[-1])
    targets = [low + (high - low) * i / (most - 1) for i in range(most)]
    ticks: list[str] = []
    for target in targets:
        nearest = min(periods, key=lambda p: abs(_ordinal(p) - target))
        if not ticks or _ordinal(nearest) - _ordinal(ticks[-1]) > (high - low) / (2 * most):  # labels apart
            ticks.append(nearest)
    return ticks


def _colour(score: float) -> str:
    return FAVOR_COLOUR if score > 0.1 else AGAINST_COLOUR if score < -0.1 else NEUTRAL_COLOUR


def _network(dyads: Sequence[dict[str, Any]]) -> str:
    edges = top_dyads(dyads, NETWORK_EDGES)
    if not edges:
        return "<p>No dyads.</p>"
    actors = _spread(edges)
    names = {d["holder"]: d["holder_name"] for d in edges} | {d["target"]: d["target_name"] for d in edges}
    size, radius = 640, 240
    centre = size / 2
    place = {a: (centre + radius * math.cos(2 * math.pi * i / len(actors) - math.pi / 2),
                 centre + radius * math.sin(2 * math.pi * i / len(actors) - math.pi / 2)) for i, a in enumerate(actors)}
    most = max(d["statements"] for d in edges)
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size + 200}" height="{size}" viewBox="-100 0 {size + 200} '
           f'{size}" role="img" aria-label="stance network of the {len(edges)} dyads with most statements">',
           "<defs>" + "".join(f'<marker id="arrow-{n}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" '
                              f'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0L10,5L0,10z" fill="{c}"/>'
                              "</marker>" for n, c in (("favor", FAVOR_COLOUR), ("against", AGAINST_COLOUR),
                                                       ("neutral", NEUTRAL_COLOUR))) + "</defs>"]
    for d in edges:
        (x1, y1), (x2, y2) = place[d["holder"]], place[d["target"]]
        length = math.hypot(x2 - x1, y2 - y1) or 1
        x2, y2 = x2 - (x2 - x1) * 12 / length, y2 - (y2 - y1) * 12 / length  # stop at the node's edge
        # Bent to the right of its direction, so that A → B and B → A are two arcs, not one line.
        mx, my = (x1 + x2) / 2 + (y2 - y1) * 0.12, (y1 + y2) / 2 - (x2 - x1) * 0.12
        kind = "favor" if d["mean_score"] > 0.1 else "against" if d["mean_score"] < -0.1 else "neutral"
        svg.append(f'<path d="M{x1:.1f},{y1:.1f} Q{mx:.1f},{my:.1f} {x2:.1f},{y2:.1f}" fill="none" '
                   f'stroke="{_colour(d["mean_score"])}" stroke-opacity="0.75" '
                   f'stroke-width="{1 + 4 * math.sqrt(d["statements"] / most):.1f}" marker-end="url(#arrow-{kind})">'
                   f'<title>{escape(_label(d))}: mean {d["mean_score"]:+.2f} over {d["statements"]} statements</title>'
                   "</path>")
    for actor in actors:
        cx, cy = place[actor]
        anchor = "start" if cx >= centre else "end"
        dx = 12 if cx >= centre else -12
        svg.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="9" fill="#fff" stroke="#333"/>'
                   f'<text x="{cx + dx:.1f}" y="{cy + 4:.1f}" font-size="12" text-anchor="{anchor}">'
                   f"{escape(names[actor])}</text>")
    svg.append("</svg>")
    legend = (f'<p class="meta">The {len(edges)} dyads with most statements; line width by statements; '
              f'<span class="favor">blue: mean score above +0.1</span>, <span class="against">red: below −0.1</span>, '
              "grey: between.</p>")
    return "".join(svg) + legend


def _spread(edges: Sequence[dict[str, Any]]) -> list[str]:
    """The actors of `edges` in circle order: the busiest spread apart (by a stride coprime with their
    number), so that the few holders most arrows leave do not crowd one arc."""
    degree: dict[str, int] = {}
    for d in edges:
        for actor in (d["holder"], d["target"]):
            degree[actor] = degree.get(actor, 0) + d["statements"]
    ranked = sorted(degree, key=lambda a: (-degree[a], a))
    n = len(ranked)
    stride = next(k for k in range(max(1, n // 3), n + 1) if math.gcd(k, n) == 1) if n > 2 else 1
    slots: list[str] = [""] * n
    for rank, actor in enumerate(ranked):
        slots[(rank * stride) % n] = actor
    return slots


def _dyad_table(dyads: Sequence[dict[str, Any]]) -> str:
    head = ("<tr><th>holder → target</th><th>statements</th><th>articles</th><th>favor</th><th>against</th>"
            "<th>neutral</th><th>mean score [95% interval]</th></tr>")
    rows = "".join(
        f'<tr><td><a href="#{_anchor(d)}">{escape(_label(d))}</a></td><td class="n">{d["statements"]}</td>'
        f'<td class="n">{d["articles"]}</td><td class="n">{d["favor"]}</td><td class="n">{d["against"]}</td>'
        f'<td class="n">{d["neutral"]}</td><td class="n">{_interval(d)}</td></tr>' for d in dyads)
    return f"<table>{head}{rows}</table>"


def _interval(d: dict[str, Any]) -> str:
    if d["score_low"] is None:
        return f"{d['mean_score']:+.2f}"
    return f"{d['mean_score']:+.2f} [{d['score_low']:+.2f}, {d['score_high']:+.2f}]"


def _anchor(d: dict[str, Any]) -> str:
    return "dyad-" + "".join(c if c.isalnum() else "-" for c in f"{d['holder']}--{d['target']}")


def _dyad_section(dyad: dict[str, Any], evidence: list[dict[str, Any]]) -> str:
    items = "".join(_evidence_item(e) for e in evidence) or "<p>No favor or against statements.</p>"
    return (f'<h3 id="{_anchor(dyad)}">{escape(_label(dyad))}</h3><p class="meta">{dyad["statements"]} statements in '
            f'{dyad["articles"]} articles, mean score {_interval(dyad)}</p>{items}')


def _evidence_item(e: dict[str, Any]) -> str:
    article = escape(e.get("title") or e["article"])
    url = e.get("url") or ""
    link = f'<a href="{escape(url)}">{article}</a>' if url.startswith(("http://", "https://")) else article
    where = " · ".join(escape(x) for x in (e.get("date"), e.get("source")) if x)
    return (f'<blockquote><span class="{e["stance"]}">{e["stance"]} {e["score"]:+.2f}</span> '
            f'{escape(e["statement_text"])}<br><span class="meta">{link}{" · " + where if where else ""}</span></blockquote>')
