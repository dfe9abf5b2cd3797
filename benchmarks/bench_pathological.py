"""Benchmark article analysis on pathological texts: seconds against length, and the growth exponent.

    python benchmarks/bench_pathological.py [--model DIR|TAG] [--max-n 64000] [--reference-max 8000]

Patterns: '"' × n, ')' × n, '-' × n, '.' × n, symbol noise (random ASCII punctuation, no whitespace;
and, for comparison, the same with a space every 8 characters), a long unbroken word (random
letters), for n = 1k, 2k, 4k, … up to `--max-n`, then once at 100,000 characters (the service's
request limit). Each text runs through `ArticleAnalyzer` (real spaCy pipeline, stance classifier):
without --model, a tiny untrained model built in a temporary folder (stances are not the point);
`--model stance:latest` (or a directory) runs a real one. Side by side, spaCy's own tokenizer on the
same text (`nlp.make_doc`, the quadratic reference) against ours (`stance.article.parsing.make_doc`),
for n up to `--reference-max`. Prints a table and the fitted log-log slope per pattern; writes JSON
to benchmarks/results/pathological.json. Bars: slope <= 1.2 for '"' × n over 1k…64k; every pattern
at 100,000 characters in <= 15 s.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.conftest: the tiny model

from stance.article.analyze import ArticleAnalyzer, analyze_article  # noqa: E402
from stance.article.parsing import load_pipeline, make_doc  # noqa: E402

SYMBOLS = "\"')(-.,;:!?*#@&%$/\\|[]{}<>~^_=+`"
BAR_SLOPE = 1.2
BAR_SECONDS_100K = 15.0
LONG = 100_000


def _noise(n: int, space_every: int = 0, seed: int = 0) -> str:
    rnd = random.Random(seed)
    return "".join(" " if space_every and rnd.randrange(space_every) == 0 else rnd.choice(SYMBOLS) for _ in range(n))


def _letters(n: int, seed: int = 0) -> str:
    rnd = random.Random(seed)
    return "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))


PATTERNS: dict[str, Callable[[int], str]] = {
    '" x n': lambda n: '"' * n,
    ") x n": lambda n: ")" * n,
    "- x n": lambda n: "-" * n,
    ". x n": lambda n: "." * n,
    "symbol noise": _noise,
    "symbol noise, spaced": lambda n: _noise(n, space_every=8),
    "long word": _letters,
}


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of log(seconds) against log(n): 1 is linear, 2 quadratic."""
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(max(s, 1e-6)) for _, s in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def timed(run: Callable[[], object], repeats: int) -> float:
    """Best wall seconds of `repeats` runs (the least disturbed by the other jobs on the machine)."""
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def tiny_model(folder: Path) -> Path:
    """An untrained `multi` model directory (tiny BERT encoder), as tests/test_article_fixtures.py builds."""
    from stance.modeling import ModelSpec, build_model
    from tests.conftest import write_tiny_bert

    bert = write_tiny_bert(folder / "bert")
    model, tokenizer = build_model(str(bert), ModelSpec.default("multi", "markers", 64, "tiny"))
    model.save(folder / "model", tokenizer)
    return folder / "model"


def measure(analyzer: ArticleAnalyzer, sizes: list[int], reference_max: int) -> dict:
    """Per pattern: analysis seconds per n, the slope, the 100k run, and the tokenizer side by side."""
    nlp = analyzer.nlp
    results = {}
    for name, make in PATTERNS.items():
        rows = []
        for n in sizes:
            text = make(n)
            repeats = 3 if n <= 8000 else 1
            row = {"n": n, "analyze_s": round(timed(lambda: analyze_article(analyzer, text), repeats), 4),
                   "tokens": len(make_doc(nlp, text)),
                   "ours_tokenizer_s": round(timed(lambda: make_doc(nlp, text), repeats), 4)}
            if n <= reference_max:
                row["spacy_tokenizer_s"] = round(timed(lambda: nlp.make_doc(text), 1), 4)
            rows.append(row)
            print(f"  {name:22s} n={n:>6,}  analyze {row['analyze_s']:8.3f} s", flush=True)
        long_s = timed(lambda: analyze_article(analyzer, make(LONG)), 1)
        results[name] = {"rows": rows, "slope": round(slope([(r["n"], r["analyze_s"]) for r in rows]), 3),
                         "analyze_100k_s": round(long_s, 3)}
    return results


def print_table(results: dict) -> None:
    sizes = [r["n"] for r in next(iter(results.values()))["rows"]]
    print(f"\n{'pattern':22s}" + "".join(f"{n // 1000:>7}k" for n in sizes) + f"{'100k':>8}{'slope':>7}")
    for name, result in results.items():
        cells = "".join(f"{r['analyze_s']:8.3f}" for r in result["rows"])
        print(f"{name:22s}{cells}{result['analyze_100k_s']:8.2f}{result['slope']:7.2f}")
    print("\ntokenizer alone, spaCy's (reference) vs ours, seconds:")
    for name, result in results.items():
        pairs = [f"{r['n'] // 1000}k {r['spacy_tokenizer_s']:.3f}/{r['ours_tokenizer_s']:.3f}"
                 for r in result["rows"] if "spacy_tokenizer_s" in r]
        print(f"  {name:22s}" + "  ".join(pairs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model tag or directory (default: a tiny untrained model)")
    parser.add_argument("--max-n", type=int, default=64_000)
    parser.add_argument("--reference-max", type=int, default=8_000, help="largest n for spaCy's own tokenizer")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "pathological.json")
    args = parser.parse_args()
    sizes = [1000 * 2**k for k in range(int(math.log2(args.max_n / 1000)) + 1)]
    with tempfile.TemporaryDirectory() as folder:
        if args.model:
            analyzer = ArticleAnalyzer.from_ref(args.model)
        else:
            from stance.classifier import StanceClassifier

            analyzer = ArticleAnalyzer(StanceClassifier.from_path(tiny_model(Path(folder)), backend="torch", bf16=False),
                                       nlp=load_pipeline())
        analyze_article(analyzer, "Iran praised China.")  # warm-up
        results = measure(analyzer, sizes, args.reference_max)
    print_table(results)
    quote = results['" x n']
    bars = {"slope_quotes": quote["slope"] <= BAR_SLOPE,
            "all_100k_within_15s": all(r["analyze_100k_s"] <= BAR_SECONDS_100K for r in results.values())}
    print(f"\nbars: slope('\"' x n) = {quote['slope']} <= {BAR_SLOPE}: {bars['slope_quotes']}; "
          f"every pattern at 100k <= {BAR_SECONDS_100K} s: {bars['all_100k_within_15s']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "model": args.model or "tiny untrained (tests.conftest.write_tiny_bert)",
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "load_average": os.getloadavg()},
        "sizes": sizes, "patterns": results, "bars": bars,
    }, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
