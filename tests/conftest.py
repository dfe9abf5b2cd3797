"""Shared fixtures: a tiny random-initialised BERT (hermetic, no downloads) and a temp model store."""

from __future__ import annotations

import os
import string
from pathlib import Path
from typing import Iterator

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

WORDS = """the a an of to in on and said says is was were has have will not it he she they we
iran iranian tehran united states u.s. america american russia moscow kremlin china minister
president defence defense government praised condemned accused blamed thanked supports opposes
criticised great crime ally friend enemy attack deal peace talks sanctions strongly welcomed
good bad terrible excellent happy angry author""".split()


def write_tiny_bert(path: Path) -> Path:
    """Write a tiny random BERT (2 layers, width 32) and a small WordPiece vocabulary to `path`."""
    from transformers import BertConfig, BertModel, BertTokenizerFast

    path.mkdir(parents=True, exist_ok=True)
    chars = list(string.ascii_lowercase + string.digits + string.punctuation)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *(f"##{c}" for c in chars), *WORDS]
    (path / "vocab.txt").write_text("\n".join(dict.fromkeys(vocab)) + "\n")
    tokenizer = BertTokenizerFast(vocab_file=str(path / "vocab.txt"), do_lower_case=True)
    tokenizer.save_pretrained(path)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=256,
    )
    BertModel(config, add_pooling_layer=False).save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    return write_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def tiny_tokenizer(tiny_bert):
    """The tiny BERT's tokenizer with the stance marker tokens added."""
    from transformers import AutoTokenizer

    from stance.modeling import add_marker_tokens

    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    add_marker_tokens(tokenizer)
    return tokenizer


@pytest.fixture()
def bentoml_home(tmp_path) -> Iterator[Path]:
    """A fresh, empty BentoML home (model store) for one test."""
    from tests.model_store import model_store_at

    with model_store_at(tmp_path / "bentoml") as home:
        yield home
