"""Evaluation reports: metrics with bootstrap intervals, calibration, slices, hardest errors, baselines,
comparisons between models and a model card, as self-contained HTML, Markdown and JSON.

    from stance.report.build import build_report
    outcome = build_report("stance:latest", Path("reports/latest"), ["newsmtsc"], Path("processed"))

`compute` makes the JSON-ready dict; `render` writes it and renders HTML and Markdown from it.
See docs/reports.md.
"""

from __future__ import annotations
