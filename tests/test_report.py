"""The evaluation report: a tiny trained model → report → HTML, Markdown and JSON that agree number for number."""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import torch
import typer
from typer.testing import CliRunner

from stance.errors import InputError
from stance.labels import LABEL_SETS
from stance.metrics import classification_metrics
from stance.cli.report import report_cmd
from stance.report.build import build_report
from stance.report.compare import compare_predictions, mcnemar
from stance.report.slices import TargetTyper
from stance.report.stats import codes, confusions, metric_arrays
from stance.schema import Example

ACTORS = ["Iran", "Russia", "China", "America", "Donald Trump", "NATO"]
STANCE = {"favor": "{h} praised {t} for the great deal.", "against": "{h} condemned {t} for the terrible attack.",
          "neutral": "{h} met {t} on Tuesday."}
SENTIMENT = {"positive": "{t} is a good friend and ally.", "negative": "{t} was accused of a crime.",
             "neutral": "{t} has talks in Moscow."}
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w])")


def toy_examples() -> dict[str, list[Example]]:
    """Both tasks, three labels each, over actor pairs; the pairs are dealt to train, dev and test."""
    splits: dict[str, list[Example]] = {"train": [], "dev": [], "test": []}
    pairs = [(h, t) for h in ACTORS for t in ACTORS if h != t]
    for n, (h, t) in enumerate(pairs):
        split = ("train", "train", "dev", "test")[n % 4]
        for label, template in STANCE.items():
            text = template.format(h=h, t=t)
            splits[split].append(Example(id=f"{split}-s-{n}-{label}", text=text, target_span=(text.index(t, len(h)), text.index(t, len(h)) + len(t)),
                                         holder_span=(0, len(h)), task="stance", label=label, dataset="toy", split=split))
        for label, template in SENTIMENT.items():
            text = template.format(t=t)
            splits[split].append(Example(id=f"{split}-t-{n}-{label}", text=text, target_span=(0, len(t)),
                                         task="sentiment", label=label, dataset="toy", split=split))
    return splits


@pytest.fixture(scope="session")
def toy_data(tmp_path_factory) -> Path:
    processed = tmp_path_factory.mktemp("processed")
    (processed / "toy").mkdir()
    for split, examples in toy_examples().items():
        (processed / "toy" / f"{split}.jsonl").write_text("".join(e.model_dump_json() + "\n" for e in examples))
    return processed


def train_tiny(base: Path, out: Path, examples: list[Example], steps: int) -> Path:
    """A few full-batch AdamW steps on `examples` (no Trainer: seconds, not minutes); saves to `out`."""
    from stance.modeling import ModelSpec, build_model
    from training.train import collate, to_dataset

    torch.manual_seed(0)
    spec = ModelSpec.default("markers_pair", "markers", 64, str(base))
    model, tokenizer = build_model(str(base), spec)
    batch = collate(tokenizer.pad_token_id)(list(to_dataset(examples, tokenizer, spec)))
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(steps):
        optimiser.zero_grad()
        model(**batch)["loss"].backward()
        optimiser.step()
    model.eval().save(out, tokenizer)
    return out


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_bert, tmp_path_factory) -> Path:
    return train_tiny(tiny_bert, tmp_path_factory.mktemp("tiny-model") / "model", toy_examples()["train"], steps=25)


@pytest.fixture(scope="session")
def weak_model_dir(tiny_bert, tmp_path_factory) -> Path:
    return train_tiny(tiny_bert, tmp_path_factory.mktemp("weak-model") / "model", toy_examples()["train"], steps=2)


@pytest.fixture(scope="session")
def report(tiny_model_dir, weak_model_dir, toy_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return build_report(str(tiny_model_dir), out, ["toy"], toy_data, compare=str(weak_model_dir), bootstrap=200)


class _Text(HTMLParser):
    """Visible text (no <style>/<script>), the text of cells by data-key per summary row, and the tags seen."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.skip = 0
        self.tags: list[tuple[str, dict]] = []
        self.row: str | None = None
        self.key: str | None = None
        self.cells: dict[tuple[str, str], str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self.skip += tag in ("style", "script")
        self.row = attrs.get("data-section", self.row) if tag == "tr" else self.row
        self.key = attrs.get("data-key") if tag == "td" else self.key

    def handle_endtag(self, tag):
        self.skip -= tag in ("style", "script")
        self.row = None if tag == "tr" else self.row
        self.key = None if tag == "td" else self.key

    def handle_data(self, data):
        if not self.skip:
            self.text.append(data)
            if self.row and self.key:
                self.cells[(self.row, self.key)] = self.cells.get((self.row, self.key), "") + data


def json_numbers(value) -> set[float]:
    """Every number in a JSON value: its numbers, and the numbers written inside its strings."""
    if isinstance(value, bool) or value is None:
        return set()
    if isinstance(value, (int, float)):
        return {float(value)}
    if isinstance(value, str):
        return {float(n) for n in NUMBER.findall(value)}
    items = value.values() if isinstance(value, dict) else value
    return set().union(*(json_numbers(v) for v in items)) if items else set()


def test_every_number_in_the_html_and_markdown_is_in_the_json(report) -> None:
    data = json.loads(report.paths["json"].read_text())
    known = json_numbers(data)
    parser = _Text()
    parser.feed(report.paths["html"].read_text())
    html_numbers = {float(n) for n in NUMBER.findall(" ".join(parser.text))}
    assert len(html_numbers) > 50
    assert html_numbers - known == set()
    md_numbers = {float(n) for n in NUMBER.findall(report.paths["markdown"].read_text())}
    assert md_numbers - known == set()


def test_summary_cells_equal_the_json_values(report) -> None:
    data = json.loads(report.paths["json"].read_text())
    parser = _Text()
    parser.feed(report.paths["html"].read_text())
    for s in data["sections"]:
        for key in ("f1m", "f1pn", "accuracy"):
            m = s["metrics"][key]
            assert [float(n) for n in NUMBER.findall(parser.cells[(s["id"], key)])] == [m["value"], m["low"], m["high"]]
        assert float(parser.cells[(s["id"], "ece-before")]) == s["calibration"]["before"]["ece"]
        assert float(parser.cells[(s["id"], "ece-after")]) == s["calibration"]["after"]["ece"]


def test_report_structure(report) -> None:
    data = json.loads(report.paths["json"].read_text())
    assert [(s["split"], s["task"]) for s in data["sections"]] == [
        ("test", "stance"), ("test", "sentiment"), ("dev", "stance"), ("dev", "sentiment")]
    test_stance = data["sections"][0]
    gold = [e.label for e in toy_examples()["test"] if e.task == "stance"]
    assert test_stance["n"] == len(gold) and sum(map(sum, test_stance["confusion_matrix"])) == len(gold)
    m = test_stance["metrics"]["f1m"]
    assert m["low"] <= m["value"] <= m["high"]
    assert {b["name"]: b["available"] for b in test_stance["baselines"]} == {"majority class": True, "VADER": True, "TF-IDF + LR": True}
    kinds = {row["kind"] for row in test_stance["slices"]}
    assert kinds == {"targets", "holder", "target type", "length"}
    assert {row["name"] for row in test_stance["slices"] if row["kind"] == "target type"} >= {"state", "person", "organisation"}
    assert test_stance["calibration"]["temperature_source"].startswith("fitted in this report on toy dev")
    assert all(e["gold"] != e["predicted"] for e in test_stance["hardest_errors"])
    assert set(test_stance["compare"]["metrics"]) == {"f1m", "f1pn", "accuracy"}
    html = report.paths["html"].read_text()
    parser = _Text()
    parser.feed(html)
    images = [a["src"] for tag, a in parser.tags if tag == "img"]
    assert len(images) == 3 * len(data["sections"]) and all(src.startswith("data:image/png;base64,iVBOR") for src in images)
    assert not [a for tag, a in parser.tags if tag in ("script", "link")]  # nothing to fetch: opens offline
    assert {a.get("id") for tag, a in parser.tags if tag == "section"} == {s["id"] for s in data["sections"]}
    assert "Model card" in html and "Intended use" in html and "Limitations" in html
    assert "<mark>" in html  # hardest errors highlight their target
    assert (report.paths["card"].read_text()).startswith("# Model card:")
    assert len(list((report.paths["json"].parent / "plots").glob("*.png"))) == 3 * len(data["sections"])


def test_vectorised_metrics_equal_classification_metrics() -> None:
    rng = np.random.default_rng(0)
    labels = LABEL_SETS["stance"]
    gold = [labels[i] for i in rng.integers(0, 3, 300)]
    pred = [labels[i] for i in rng.integers(0, 3, 300)]
    vector = metric_arrays("stance", confusions(codes("stance", gold, pred), np.arange(300)[None, :], 3))
    expected = classification_metrics("stance", gold, pred)
    assert vector["f1m"][0] == pytest.approx(expected["f1m"], abs=0.006)
    assert vector["f1pn"][0] == pytest.approx(expected["f1pn"], abs=0.011)  # it averages rounded per-class F1s
    assert vector["accuracy"][0] == pytest.approx(expected["accuracy"], abs=0.006)


def test_paired_comparison_and_mcnemar() -> None:
    gold = ["favor", "against", "neutral"] * 100
    same = compare_predictions("stance", gold, gold, gold, count=200)
    assert same["metrics"]["f1m"]["delta"] == 0 and not same["metrics"]["f1m"]["significant"]
    worse = ["neutral"] * 300
    better = compare_predictions("stance", gold, gold, worse, count=200)
    assert better["metrics"]["f1m"]["significant"] and better["metrics"]["f1m"]["low"] > 0
    assert mcnemar(gold, gold, worse) == {"only_model_right": 200, "only_other_right": 0, "p": 0.0}


def test_target_types() -> None:
    typer_ = TargetTyper()
    expected = {"Iran": "state", "the Kremlin": "state", "NATO": "organisation", "Hamas": "group", "Democrats": "group",
                "Donald Trump": "person", "he": "person", "Russian President Vladimir Putin": "person",
                "Iranian officials": "state", "gun control": "other"}
    assert {name: typer_.type_of(name) for name in expected} == expected


def test_cli_reports_a_missing_dataset(toy_data, tmp_path) -> None:
    app = typer.Typer()
    app.command("report")(report_cmd)
    app.command("other")(lambda: None)  # two commands: typer then expects the command name, as in `stance report`
    result = CliRunner().invoke(app, ["report", "--model", str(tmp_path), "--processed-dir", str(toy_data),
                                      "--dataset", "nope", "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "No processed splits of 'nope'" in result.output and "datasets found there: ['toy']" in result.output


def test_a_split_that_matches_nothing_is_named(tiny_model_dir, toy_data, tmp_path) -> None:
    with pytest.raises(InputError, match=r"--split \['test-rw'\] matches none of \['toy:dev', 'toy:test'\]"):
        build_report(str(tiny_model_dir), tmp_path, ["toy"], toy_data, splits=["test-rw"], bootstrap=0)


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Debian chromium not installed")
def test_headless_chromium_renders_the_report_with_its_plots(report, tmp_path) -> None:
    from PIL import Image

    shot = tmp_path / "shot.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
             "--window-size=1400,3000", "--enable-logging=stderr", "--v=0"]
    page = report.paths["html"].resolve().as_uri()
    run = subprocess.run(["/usr/bin/chromium", *flags, page], check=False, capture_output=True, text=True, timeout=90)
    assert run.returncode == 0, run.stderr[-2000:]
    assert [line for line in run.stderr.splitlines() if ":CONSOLE" in line] == []  # no page (JavaScript) errors
    pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3).astype(int)
    bars = np.abs(pixels - np.array([0x1F, 0x77, 0xB4])).sum(axis=1) < 30  # the model's bars in the metrics plot
    assert bars.sum() > 2000


def test_cli_renders_a_report(tiny_model_dir, toy_data, tmp_path) -> None:
    app = typer.Typer()
    app.command("report")(report_cmd)
    app.command("other")(lambda: None)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", "--model", str(tiny_model_dir), "--processed-dir", str(toy_data), "--split", "toy:test",
                                      "--bootstrap", "0", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output and (out / "report.html").is_file()
    data = json.loads((out / "report.json").read_text())
    assert [s["split"] for s in data["sections"]] == ["test", "test"]
    assert data["sections"][0]["metrics"]["f1m"]["low"] is None
