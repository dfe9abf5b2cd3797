"""Article analysis: statements, actors, speakers, directed stance and the article's stance network.

    analyzer = ArticleAnalyzer.from_ref("stance:latest")
    analysis = analyze_article(analyzer, text)          # one ArticleAnalysis
    analyses = analyze_articles(analyzer, texts)        # a batch: one spaCy pass, one classifier call

`docs/analysis.md` describes the rules and their limits.
"""

from __future__ import annotations

from stance.article.analyze import ArticleAnalyzer, analyze_article, analyze_articles
from stance.article.gazetteer import ActorEntry, ActorGazetteer
from stance.article.schema import AnalyzeRequest, ArticleAnalysis

__all__ = [
    "ActorEntry",
    "ActorGazetteer",
    "AnalyzeRequest",
    "ArticleAnalysis",
    "ArticleAnalyzer",
    "analyze_article",
    "analyze_articles",
]
