"""The analysts' page (docs/webapp.md) with the real model, a real `bentoml serve` and a real browser.

    source scripts/env.sh
    .venv/bin/python benchmarks/bench_webapp.py --model stance:latest --out benchmarks/results/webapp.json
    .venv/bin/python benchmarks/bench_webapp.py --model stance:latest --screenshots docs/img   # + the docs' images
    .venv/bin/python benchmarks/bench_webapp.py --model stance:latest --screenshots docs/img --only-screenshots

Measured, side by side in one run: the page's load time (navigation start to the `load` event, and
wall time of the browser's navigation, fresh browser context each time), the time from pressing
Analyse to the result shown for a 600-word article made from data/evalset texts, and the same article
posted to /analyze directly (the page's own share is the difference), and the time to open the
output of a batch run (`stance score --mode articles` on the evalset with the same model, JSON Lines,
repeated under new ids to 24, 480 and 1,992 articles) from pressing the button to the network drawn. The server runs as
scripts/main.sh runs it (`STANCE_PRELOAD_ANALYZER=1`: spaCy and the gazetteer load in the background at
start-up); the first analysis ("cold") is the first the server gets. Headless Debian Chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stance.precision import detect_hardware  # noqa: E402
from tests.local_server import (  # noqa: E402  (after the path tweak)
    drain_output, free_port, launch_chromium, start_local_server, stop_local_server, wait_until_ready,
)

EVALSET = ROOT / "data" / "evalset" / "articles.jsonl"


def evalset_articles() -> list[dict]:
    return [json.loads(line) for line in EVALSET.read_text().splitlines() if line.strip()]


def article_of(words: int) -> str:
    """Evalset texts (wire stories first), joined and cut at the first sentence end at or past `words` words."""
    rows = sorted(evalset_articles(), key=lambda r: (not r["id"].startswith("b"), r["id"]))
    pieces = re.split(r"(?<=[.!?\u201d\"])(\s+)", "\n\n".join(r["text"].strip() for r in rows))
    text, count = "", 0
    for sentence, gap in zip(pieces[::2], pieces[1::2] + [""]):
        text, count = text + sentence + gap, count + len(sentence.split())
        if count >= words:
            break
    return text.strip()


def page_load(browser, url: str) -> tuple[float, float]:
    """(ms to the load event by Navigation Timing, ms of the navigation's wall time) in a fresh context."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url, wait_until="load")
    wall = (time.perf_counter() - started) * 1000
    load = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    context.close()
    return load, wall


def page_analysis(page, text: str) -> float:
    """Seconds from pressing Analyse to the result drawn (the button enabled again, the network shown)."""
    page.fill("#text", text)
    started = time.perf_counter()
    page.click("#analyze")
    page.wait_for_selector("#analyze:not([disabled])", timeout=120_000)
    page.wait_for_selector("#result:not([hidden]) [data-role=network] svg")
    return time.perf_counter() - started


def api_analysis(url: str, text: str) -> float:
    import httpx

    started = time.perf_counter()
    response = httpx.post(f"{url}/analyze", json={"text": text}, timeout=120)
    response.raise_for_status()
    return time.perf_counter() - started


def score_output(model: str, folder: Path) -> Path:
    """`stance score --mode articles` on the evalset articles with `model`: the JSON Lines output."""
    from stance.batch import ScoreOptions, score_file

    source = folder / "evalset.jsonl"
    source.write_text("".join(json.dumps({"id": r["id"], "text": r["text"]}) + "\n" for r in evalset_articles()))
    return Path(score_file(source, folder / "evalset.stances.jsonl", model, ScoreOptions(mode="articles", progress=False)).output)


def repeated_output(output: Path, copies: int) -> bytes:
    """The output's rows `copies` times, each copy under new row numbers and ids (a corpus that large)."""
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    articles = max(r["row"] for r in rows)
    lines = [json.dumps({**r, "row": r["row"] + copy * articles, "id": f"{r['id']}-{copy}"})
             for copy in range(copies) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def open_output(browser, url: str, content: bytes) -> tuple[float, int]:
    """(s from pressing the button to the corpus network drawn, dyads in the table) for a batch output."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{url}/")
    page.click("#tab-corpus")
    page.set_input_files("#corpus-file", files=[{"name": "run.stances.jsonl", "mimeType": "application/x-ndjson",
                                                 "buffer": content}])
    started = time.perf_counter()
    page.click("#analyze-corpus")
    try:
        page.wait_for_selector("#corpus-result:not([hidden]) .edge", timeout=120_000)
    except Exception as err:  # say what the page showed instead
        shown = {name: page.inner_text(f"#corpus-{name}") for name in ("status", "error", "warnings")}
        raise SystemExit(f"The corpus view did not draw the network of {len(content):,} bytes: {shown}") from err
    seconds = time.perf_counter() - started
    dyads = page.locator("#dyads-table tbody tr").count()
    page.close()
    return seconds, dyads


def screenshots(browser, url: str, folder: Path) -> list[str]:
    """The docs' images: the article view (evalset b02) and the corpus view (the whole evalset)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = evalset_articles()
    article = next(r for r in rows if r["id"] == "b02")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, device_scale_factor=1)
    page = context.new_page()
    page.goto(url)
    page_analysis(page, article["text"])
    first = page.locator("#pairs-table tbody tr button").first
    first.click()
    page.hover(".mention >> nth=3")
    written = [_shot(page, folder / "webapp-article.png")]
    page.click("#tab-corpus")
    corpus = "".join(json.dumps({"id": r["id"], "text": r["text"]}) + "\n" for r in rows)
    page.set_input_files("#corpus-file", files=[{"name": "evalset.jsonl", "mimeType": "application/x-ndjson",
                                                 "buffer": corpus.encode()}])
    page.click("#analyze-corpus")
    page.wait_for_selector("#corpus-result:not([hidden])", timeout=120_000)
    page.locator("#dyads-table tbody tr button").first.click()
    written.append(_shot(page, folder / "webapp-corpus.png", "#corpus-view"))
    context.close()
    return written


def _shot(page, path: Path, selector: str = "#article-view") -> str:
    """A PNG of the view, reduced to a 256-colour palette so that it stays small (< 300 KB)."""
    page.locator(selector).screenshot(path=path)
    from PIL import Image

    image = Image.open(path).convert("RGB")
    if image.height > 2000:
        image = image.crop((0, 0, image.width, 2000))
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return f"{path} ({path.stat().st_size // 1024} KB, {image.width}x{image.height})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="stance:latest")
    parser.add_argument("--words", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "webapp.json")
    parser.add_argument("--screenshots", type=Path, default=None, help="Folder for the docs' PNGs.")
    parser.add_argument("--only-screenshots", action="store_true", help="Write the PNGs, measure nothing.")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    text = article_of(args.words)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_local_server(port, {"STANCE_MODEL": args.model, "STANCE_PRELOAD_ANALYZER": "1"}, capture=True)  # as scripts/main.sh
    try:
        ready = wait_until_ready(process, port, timeout=180, log=drain_output(process))
        with sync_playwright() as driver:
            browser = launch_chromium(driver)
            if args.only_screenshots:
                print("\n".join(f"wrote {image}" for image in screenshots(browser, url, args.screenshots)))
                return
            loads = [page_load(browser, f"{url}/") for _ in range(args.repeat)]
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{url}/")
            cold = page_analysis(page, text)
            warm = [page_analysis(page, text) for _ in range(args.repeat)]
            api = [api_analysis(url, text) for _ in range(args.repeat)]
            shown = page.inner_text("#status")
            with tempfile.TemporaryDirectory() as folder:
                output = score_output(args.model, Path(folder))
                articles = max(json.loads(line)["row"] for line in output.read_text().splitlines())
                opened = {copies * articles: open_output(browser, url, repeated_output(output, copies))
                          for copies in (1, 20, 83)}
            images = screenshots(browser, url, args.screenshots) if args.screenshots else []
            browser.close()
    finally:
        stop_local_server(process)
    hardware = detect_hardware()
    result = {
        "model": args.model, "words": len(text.split()), "characters": len(text), "repeat": args.repeat,
        "server_ready_s": round(ready, 2),
        "page_load_event_ms": {"median": round(statistics.median(l for l, _ in loads), 1), "max": round(max(l for l, _ in loads), 1)},
        "page_navigation_wall_ms": {"median": round(statistics.median(w for _, w in loads), 1)},
        "result_shown_cold_s": round(cold, 3),
        "result_shown_warm_s": {"median": round(statistics.median(warm), 3), "max": round(max(warm), 3)},
        "api_analyze_s": {"median": round(statistics.median(api), 3), "max": round(max(api), 3)},
        "page_share_s": round(statistics.median(warm) - statistics.median(api), 3),
        "open_output_s": {str(n): {"seconds": round(t, 3), "dyads": d} for n, (t, d) in opened.items()},
        "status_line": shown, "cpu": hardware.cpu_name, "cpu_class": hardware.cpu_class, "cores": os.cpu_count(),
        "screenshots": images,
    }
    rows = [
        ("page load (load event), median", f"{result['page_load_event_ms']['median']} ms"),
        ("page navigation wall time, median", f"{result['page_navigation_wall_ms']['median']} ms"),
        (f"{result['words']}-word article: result shown, first (cold)", f"{cold:.2f} s"),
        (f"{result['words']}-word article: result shown, warm median", f"{result['result_shown_warm_s']['median']:.2f} s"),
        (f"{result['words']}-word article: POST /analyze alone, median", f"{result['api_analyze_s']['median']:.2f} s"),
        ("the page's own share (warm median - API median)", f"{result['page_share_s']:.2f} s"),
    ] + [(f"open a batch output of {n:,} articles ({d:,} dyads)", f"{t:.2f} s") for n, (t, d) in opened.items()]
    width = max(len(name) for name, _ in rows)
    print(f"CPU: {hardware.cpu_name} ({hardware.cpu_class}), {os.cpu_count()} cores; {args.model}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print(shown)
    for image in images:
        print("wrote", image)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print("wrote", args.out)


if __name__ == "__main__":
    main()
