"""Compare the second annotation (speakers_second.tsv, triples_second.tsv, next to this file) with
data/evalset/part3/articles.jsonl. Run from the repository root."""
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOLD = Path("data/evalset/part3/articles.jsonl")
SAMPLE = sorted(p.stem for p in HERE.glob("d[0-9][0-9].txt"))


def rows(path, width):
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) != width:
            sys.exit(f"{path.name}:{number}: expected {width} tab-separated fields, found {len(fields)}")
        out.append(fields)
    return out


def kappa(first, second):
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second)) / n
    labels = set(first) | set(second)
    expected = sum((first.count(x) / n) * (second.count(x) / n) for x in labels)
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


gold = {a["id"]: a for a in map(json.loads, GOLD.read_text(encoding="utf-8").splitlines()) if a["id"] in SAMPLE}
first_speaker = {(aid, i): (s["speaker"] or "author") for aid, a in gold.items() for i, s in enumerate(a["statements"])}
second_speaker = {(a, int(i)): s for a, i, s in rows(HERE / "speakers_second.tsv", 3)}
missing = sorted(set(first_speaker) - set(second_speaker))
if missing:
    print(f"{len(missing)} statements without a second speaker, e.g. {missing[:5]}")
keys = sorted(set(first_speaker) & set(second_speaker))
a, b = [first_speaker[k] for k in keys], [second_speaker[k] for k in keys]
print(f"speakers: {len(keys)} statements, agreement {sum(x == y for x, y in zip(a, b)) / len(keys):.3f}, kappa {kappa(a, b):.3f}")
for k in keys:
    if first_speaker[k] != second_speaker[k]:
        print(f"  {k[0]} {k[1]}: first {first_speaker[k]}, second {second_speaker[k]}")

first_polar = {(aid, t["statement"], t["holder"], t["target"], t["stance"]) for aid, art in gold.items() for t in art["triples"] if t["stance"] != "neutral"}
second_polar = {(a, int(i), second_speaker.get((a, int(i)), "?"), t, s) for a, i, t, s in rows(HERE / "triples_second.tsv", 4)}
both = first_polar & second_polar
print(f"non-neutral triples: first {len(first_polar)}, second {len(second_polar)}, both {len(both)}")
if first_polar or second_polar:
    p = len(both) / len(second_polar) if second_polar else 0.0
    r = len(both) / len(first_polar) if first_polar else 0.0
    print(f"  second vs first: P {p:.3f} R {r:.3f} F1 {2 * p * r / (p + r) if p + r else 0.0:.3f}")
for t in sorted(first_polar - second_polar):
    print("  only first: ", *t)
for t in sorted(second_polar - first_polar):
    print("  only second:", *t)
print("second's stance labels:", dict(Counter(t[4] for t in second_polar)))
