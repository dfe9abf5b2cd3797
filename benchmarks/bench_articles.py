"""Benchmark article analysis end to end: articles/s for ~600-word articles, time split by stage.

    python benchmarks/bench_articles.py [--model DIR|TAG] [--backend auto] [--threads N] [--articles 40] [--batch 8]

Articles are built from our evaluation set (consecutive articles joined until ~600 words), so the
density of actors and quotations is that of real news. Three ways to run the same articles side by
side in one process: spaCy alone (the ceiling), one article per call, and batches of `--batch`
articles (one spaCy pass, one classifier call per batch). Prints a table and writes JSON.
Without --model, `stance:latest` from the model store is used.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from stance.article.analyze import STAGES, ArticleAnalyzer, analyze_articles, analyze_batches  # noqa: E402
from stance.article.evalset import DEFAULT_PATH, read_evalset  # noqa: E402
from stance.article.parsing import parse_texts  # noqa: E402

FALLBACK = (
    "Iran's defense minister, Brigadier General Mohammad Reza Gharaei Ashtiani, said on Sunday that "
    '"Washington will regret this." He also warned the U.S. that Tehran is ready to respond. '
    "The Kremlin praised Iran for its restraint, while Israeli officials accused Tehran of arming the Houthis.\n\n"
)


def build_articles(count: int, words: int = 600) -> list[str]:
    """`count` articles of about `words` words from the evaluation set (or a fallback text)."""
    texts = [a.text for a in read_evalset(DEFAULT_PATH)] if DEFAULT_PATH.exists() else [FALLBACK]
    articles, i = [], 0
    while len(articles) < count:
        parts: list[str] = []
        while sum(len(p.split()) for p in parts) < words:
            parts.append(texts[i % len(texts)])
            i += 1
        article = " ".join("\n\n".join(parts).split(" ")[:words])  # cut to exactly `words` words
        articles.append(article)
    return articles


def run_pipelined(analyzer: ArticleAnalyzer, articles: list[str], batch: int) -> dict:
    """Articles/s of `analyze_batches` (what `stance analyze` and `stance score --mode articles` run):
    the next batch's spaCy + rules overlap the current batch's classifier, so stage times overlap and
    only the wall-clock rate is reported."""
    start = time.perf_counter()
    stances = sum(len(r.stances) for results in analyze_batches(analyzer, articles, batch_size=batch) for r in results)
    seconds = time.perf_counter() - start
    return {"batch": batch, "seconds": round(seconds, 3), "articles_per_s": round(len(articles) / seconds, 2),
            "stances_per_article": round(stances / len(articles), 1)}


def run(analyzer: ArticleAnalyzer, articles: list[str], batch: int, model_threads: int) -> dict:
    """Seconds, articles/s, stage split and stances per article for one way of running.

    Also CPU seconds per stage, and from them a projection for an otherwise idle machine: spaCy and
    the rules run on one core, the classifier on `model_threads` — useful when other jobs share the CPU.
    """
    analyzer.timings.clear()
    analyzer.cpu_timings.clear()
    start = time.perf_counter()
    stances = 0
    for i in range(0, len(articles), batch):
        stances += sum(len(r.stances) for r in analyze_articles(analyzer, articles[i : i + batch]))
    seconds = time.perf_counter() - start
    stages = {stage: round(analyzer.timings.get(stage, 0.0), 3) for stage in STAGES}
    cpu = {stage: round(analyzer.cpu_timings.get(stage, 0.0), 3) for stage in STAGES}
    idle_seconds = sum(v / (model_threads if k == "classifier" else 1) for k, v in cpu.items())
    return {
        "cpu_seconds": cpu,
        "projected_idle_articles_per_s": round(len(articles) / idle_seconds, 2),
        "batch": batch,
        "seconds": round(seconds, 3),
        "articles_per_s": round(len(articles) / seconds, 2),
        "stage_seconds": stages,
        "stage_share": {k: round(v / seconds, 3) for k, v in stages.items()},
        "stances_per_article": round(stances / len(articles), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="stance:latest", help="Model-store tag (or tier, e.g. stance:accurate) or model directory.")
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--backend", default="auto", help="Classifier backend: auto (int8 ONNX if exported), torch, onnx-int8.")
    parser.add_argument("--threads", type=int, default=None, help="ONNX Runtime threads (default: one per core).")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/articles.json"))
    args = parser.parse_args()

    import torch

    model = args.model
    threads = args.threads or min(torch.get_num_threads(), os.cpu_count() or 1)  # ONNX Runtime: one per core
    analyzer = ArticleAnalyzer.from_ref(model, backend=args.backend, threads=args.threads)
    articles = build_articles(args.articles)
    analyze_articles(analyzer, articles[:2])  # warm-up: first calls allocate

    start, cpu = time.perf_counter(), time.process_time()
    parse_texts(analyzer.nlp, articles)
    spacy_only, spacy_cpu = time.perf_counter() - start, time.process_time() - cpu
    rows = {
        "spacy only (ceiling)": {"batch": len(articles), "seconds": round(spacy_only, 3),
                               "articles_per_s": round(len(articles) / spacy_only, 2),
                               "projected_idle_articles_per_s": round(len(articles) / spacy_cpu, 2)},
        "one article per call": run(analyzer, articles, 1, threads),
        f"batches of {args.batch}": run(analyzer, articles, args.batch, threads),
        f"pipelined batches of {args.batch}": run_pipelined(analyzer, articles, args.batch),
    }
    backend = analyzer.classifier.backend.name
    print(f"{len(articles)} articles of {len(articles[0].split())} words; model {model} ({backend}); "
          f"torch threads {torch.get_num_threads()}")
    print(f"{'mode':26} {'art/s':>7} {'spacy':>7} {'rules':>7} {'model':>7} {'rollup':>7} {'stances/art':>12} "
          f"{'idle art/s':>11}")
    for name, row in rows.items():
        share = row.get("stage_share", {})
        cells = " ".join(f"{share.get(s, 0) * 100:>6.0f}%" if share else f"{'':>7}" for s in STAGES)
        print(f"{name:26} {row['articles_per_s']:>7.2f} {cells} {row.get('stances_per_article', ''):>12} "
              f"{row.get('projected_idle_articles_per_s', ''):>11}")
    result = {"model": model, "backend": backend, "articles": len(articles), "words_per_article": len(articles[0].split()),
              "torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
              "machine": platform.platform(), "load_average": os.getloadavg(), "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
