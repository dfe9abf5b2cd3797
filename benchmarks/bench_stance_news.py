"""Stance on the project's own test split (data/stance_news), per model side by side: overall, per
class and per construction (negation, several targets with different stances, reported speech,
metonyms, ...), with the literature's metrics (F1m, F1pn, accuracy).

    HF_HUB_OFFLINE=1 python benchmarks/bench_stance_news.py --model stance:A --model stance:B

Reads data/stance_news through the training reader (the `Item`s article analysis builds); `--split dev` for the dev split. Writes benchmarks/results/stance_news.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stance.classifier import StanceClassifier  # noqa: E402
from stance.metrics import classification_metrics  # noqa: E402
from training.datasets import reader  # noqa: E402
from training.datasets.stance_news import compiled_rows  # noqa: E402

SET_DIR = Path(__file__).resolve().parents[1] / "data" / "stance_news"
CONSTRUCTIONS = (
    "negation", "hedge", "conditional", "question", "reported_speech", "multi_target_contrast",
    "metonym", "demonym", "person", "organisation", "group", "first_party_author",
)


def load(split: str) -> tuple[list, list[list[str]]]:
    """The split's examples and each one's construction tags."""
    rows = {row["id"]: row for row in compiled_rows(SET_DIR)}
    examples = [e for e in reader("stance_news")(SET_DIR).examples if e.split == split]
    return examples, [rows[e.id.removeprefix("stance_news:")]["tags"] for e in examples]


def score(model: str, examples, tags) -> dict:
    classifier = StanceClassifier.from_ref(model)
    predicted = [p.stance for p in classifier.predict([e.item() for e in examples])]
    gold = [e.label for e in examples]
    out = {"model": model, "backend": classifier.backend_name, "all": classification_metrics("stance", gold, predicted)}
    for tag in CONSTRUCTIONS:
        rows = [i for i, t in enumerate(tags) if tag in t]
        out[tag] = classification_metrics("stance", [gold[i] for i in rows], [predicted[i] for i in rows])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", required=True, help="model-store tag or directory (repeatable)")
    parser.add_argument("--split", default="test", choices=["dev", "test"])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/stance_news.json"))
    args = parser.parse_args()
    examples, tags = load(args.split)
    results = [score(model, examples, tags) for model in args.model]
    print(f"\nstance_news {args.split}: {len(examples)} examples; F1m / F1pn / accuracy (n)\n")
    print("| subset | " + " | ".join(r["model"] for r in results) + " |")
    print("|---|" + "---:|" * len(results))
    for key in ("all", *CONSTRUCTIONS):
        cells = [f"{r[key]['f1m']} / {r[key]['f1pn']} / {r[key]['accuracy']} ({r[key]['n']})" if r[key]["n"] else "—" for r in results]
        print(f"| {key} | " + " | ".join(cells) + " |")
    for label in ("favor", "against", "neutral"):
        cells = [f"P {r['all']['per_class'][label]['precision']} R {r['all']['per_class'][label]['recall']} F1 {r['all']['per_class'][label]['f1']}" for r in results]
        print(f"| {label} | " + " | ".join(cells) + " |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"split": args.split, "results": results}, indent=2))


if __name__ == "__main__":
    main()
