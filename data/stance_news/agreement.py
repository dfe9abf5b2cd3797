"""Inter-annotator agreement on data/stance_news: draw the blind sample, score the second annotation.

    python data/stance_news/agreement.py sample   # writes agreement/blind.tsv (no labels)
    python data/stance_news/agreement.py score    # reads agreement/second.tsv, writes agreement/report.json
    python data/stance_news/agreement.py sample first_party   # the second round: agreement/first_party/
    python data/stance_news/agreement.py score first_party

The sample is 300 examples drawn with a fixed seed, stratified by split and spread over the sources
(every source contributes in proportion to its size). `blind.tsv` shows the second annotator what the
guide says they see: the statement, the holder (`the author` or its name and the words that name it)
and the target (its name and the words that name it), never the first annotation. `second.tsv` is
`id<TAB>label` per line. The report has Cohen's kappa, raw agreement, the confusion matrix (rows: the
dataset's label, columns: the second annotator's) and every disagreement with both labels.
"""

from __future__ import annotations

import csv
import json
import random
import re
import sys
from collections import defaultdict
from pathlib import Path

SET_DIR = Path(__file__).resolve().parent
AGREEMENT_DIR = SET_DIR / "agreement"
BLIND = AGREEMENT_DIR / "blind.tsv"
FIRST = AGREEMENT_DIR / "first.tsv"
SECOND = AGREEMENT_DIR / "second.tsv"
REPORT = AGREEMENT_DIR / "report.json"
SAMPLE_SIZE = 300
SEED = 20261202
LABELS = ("favor", "against", "neutral")
FIRST_PARTY_ROUND = "first_party"
"""The second round (2026-12-03): 150 examples of the first-party sources added then (`f101`-`f412`, `p*`),
in agreement/first_party/; their author rows name the document, since there the author is its issuer."""
ROUNDS = {"": (SAMPLE_SIZE, re.compile(r".*")), FIRST_PARTY_ROUND: (150, re.compile(r"f\d{3}|p\d+"))}


def load_examples() -> list[dict]:
    """The dataset's examples, compiled from the sources by the folder's compile.py."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("stance_news_compile", SET_DIR / "compile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.compile_examples()


def draw_sample(examples: list[dict], size: int = SAMPLE_SIZE, seed: int = SEED) -> list[dict]:
    """`size` examples, each source contributing in proportion to its size (largest remainders)."""
    by_source: dict[str, list[dict]] = defaultdict(list)
    for example in examples:
        by_source[example["source_id"]].append(example)
    quotas = {s: size * len(rows) / len(examples) for s, rows in by_source.items()}
    counts = {s: int(q) for s, q in quotas.items()}
    for s in sorted(quotas, key=lambda s: quotas[s] - counts[s], reverse=True)[: size - sum(counts.values())]:
        counts[s] += 1
    rng = random.Random(seed)
    sample = [row for s in sorted(by_source) for row in rng.sample(by_source[s], counts[s])]
    rng.shuffle(sample)
    return sample


def blind_row(example: dict, titles: dict[str, str] | None = None) -> list[str]:
    """id, statement, holder, holder words, target, target words; with `titles` (source id → title), the
    author of a first-party source is named as the issuer of that document."""
    text = example["text"]
    holder_words = text[slice(*example["holder_span"])] if example["holder_span"] else ""
    target_words = text[slice(*example["target_span"])]
    holder = "the author (the writer's own narration)" if example["holder"] == "author" else example["holder_name"]
    if titles is not None and example["holder"] == "author":
        holder = f"the author: the issuer of the first-party text '{titles[example['source_id']]}'"
    return [example["id"], text, holder, holder_words, example["target_name"], target_words]


def source_titles() -> dict[str, str]:
    """{source id: the `title:` of its header}."""
    titles = {}
    for path in sorted((SET_DIR / "source").glob("*.txt")):
        line = next(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("title:"))
        titles[path.stem] = line.partition(":")[2].strip()
    return titles


def write_blind(sample: list[dict], path: Path = BLIND, first: Path = FIRST, titles: dict[str, str] | None = None) -> None:
    """The blind sheet, and the dataset's labels as they were when it was drawn (`first.tsv`: kappa is
    measured against these, not against labels fixed after the disagreements were discussed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    first.write_text("id\tlabel\n" + "".join(f"{e['id']}\t{e['stance']}\n" for e in sample), encoding="utf-8")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["id", "statement", "holder", "holder_words", "target", "target_words"])
        writer.writerows(blind_row(example, titles) for example in sample)


def read_labels(path: Path) -> dict[str, str]:
    """{example id: label} from an `id<TAB>label` file; an unknown label names the line."""
    out = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("id\t"):
            continue
        example_id, _, label = line.partition("\t")
        if label.strip() not in LABELS:
            raise ValueError(f"{path.name}:{number}: label {label!r}; expected one of {LABELS}")
        out[example_id.strip()] = label.strip()
    return out


def cohen_kappa(first: list[str], second: list[str]) -> float:
    """Cohen's kappa of two label lists over LABELS."""
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second)) / n
    expected = sum((first.count(label) / n) * (second.count(label) / n) for label in LABELS)
    return (observed - expected) / (1 - expected)


def score(examples: list[dict], first_labels: dict[str, str], second: dict[str, str]) -> dict:
    """Kappa and the disagreements of the first annotation (as drawn) against the second; `now`: the
    dataset's current label of each disagreement (after the guide fixes)."""
    by_id = {e["id"]: e for e in examples}
    missing = sorted(set(second) - set(first_labels))
    if missing:
        raise ValueError(f"{len(missing)} ids of the second annotation are not in the sample, e.g. {missing[:3]}")
    ids = sorted(second)
    first = [first_labels[i] for i in ids]
    other = [second[i] for i in ids]
    confusion = {a: {b: sum(1 for x, y in zip(first, other) if (x, y) == (a, b)) for b in LABELS} for a in LABELS}
    return {
        "n": len(ids),
        "kappa": round(cohen_kappa(first, other), 4),
        "agreement": round(sum(a == b for a, b in zip(first, other)) / len(ids), 4),
        "confusion": confusion,
        "disagreements": [
            {"id": i, "text": by_id[i]["text"] if i in by_id else None, "holder": by_id.get(i, {}).get("holder"),
             "target": by_id.get(i, {}).get("target"), "first": a, "second": b, "now": by_id.get(i, {}).get("stance")}
            for i, a, b in zip(ids, first, other) if a != b
        ],
    }


def main(argv: list[str]) -> int:
    if argv[:1] not in (["sample"], ["score"]) or len(argv) > 2 or (argv[1:] and argv[1] not in ROUNDS):
        print(__doc__)
        return 2
    name = argv[1] if argv[1:] else ""
    folder = AGREEMENT_DIR / name
    blind, first, second, report_path = (folder / BLIND.name, folder / FIRST.name, folder / SECOND.name, folder / REPORT.name)
    size, sources = ROUNDS[name]
    examples = load_examples()
    if argv[0] == "sample":
        chosen = [e for e in examples if sources.fullmatch(e["source_id"])]
        write_blind(draw_sample(chosen, size), blind, first, source_titles() if name == FIRST_PARTY_ROUND else None)
        print(f"wrote {blind}")
    else:
        report = score(examples, read_labels(first), read_labels(second))
        report_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"kappa {report['kappa']}, agreement {report['agreement']} on {report['n']}; wrote {report_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
