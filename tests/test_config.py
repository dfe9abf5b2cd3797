from __future__ import annotations

import pytest

from stance.errors import ConfigError
from training.config import apply_overrides, load_config

MINIMAL = """
[data]
[[data.train]]
dataset = "newsmtsc"
split = "train"
[[data.dev]]
dataset = "newsmtsc"
split = "dev-rw"
"""


def write(tmp_path, text: str, name: str = "c.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_default_config_is_valid() -> None:
    config = load_config("default.toml")
    assert (config.model.scheme, config.model.pooling) == ("multi", "markers")
    assert config.data.selection and all(":" in s for s in config.data.selection)


def test_unknown_key_is_rejected_with_the_valid_keys(tmp_path) -> None:
    path = write(tmp_path, MINIMAL + "[train]\nepochz = 3\n")
    with pytest.raises(ConfigError, match=r"unknown key 'train.epochz': valid keys here are \[.*'epochs'"):
        load_config(path)


def test_bad_value_names_the_field_and_the_value(tmp_path) -> None:
    path = write(tmp_path, MINIMAL)
    with pytest.raises(ConfigError, match=r"train.learning_rate: .*found -1"):
        load_config(path, ["train.learning_rate=-1"])


def test_dotted_overrides_parse_toml_values(tmp_path) -> None:
    config = load_config(write(tmp_path, MINIMAL), ["train.epochs=2", "model.scheme=markers_pair", "train.precision=fp32"])
    assert (config.train.epochs, config.model.scheme, config.train.precision) == (2, "markers_pair", "fp32")


def test_extends_merges_over_the_base(tmp_path) -> None:
    write(tmp_path, MINIMAL + "[train]\nepochs = 5\nseed = 7\n", "base.toml")
    config = load_config(write(tmp_path, 'extends = "base.toml"\n[train]\nepochs = 1\n'))
    assert (config.train.epochs, config.train.seed) == (1, 7)


def test_malformed_override_says_the_expected_form() -> None:
    with pytest.raises(ConfigError, match="section.key=value"):
        apply_overrides({}, ["epochs"])


def test_missing_config_file_points_at_the_shipped_ones(tmp_path) -> None:
    with pytest.raises(ConfigError, match="not found.*training/configs"):
        load_config(tmp_path / "nope.toml")


def test_the_tiers_are_configs_and_default_is_the_fast_tier() -> None:
    fast, default, accurate, distilled = (load_config(n) for n in ("fast.toml", "default.toml", "accurate.toml", "fast-distilled.toml"))
    assert default.model_dump(exclude={"extends"}) == fast.model_dump(exclude={"extends"})
    assert (fast.tier, accurate.tier, distilled.tier) == ("fast", "accurate", "fast-distilled")
    assert accurate.model.base == "all-mpnet-base-v2" and distilled.model.base == fast.model.base
    # The tiers differ in the encoder (and distillation), never in the data they are selected and tested on.
    assert accurate.data == fast.data and distilled.data == fast.data
    assert distilled.distill.teacher == "stance:accurate"
    assert {s.split for s in distilled.distill.transfer} == {"train"}


def test_a_transfer_set_from_a_test_split_is_rejected(tmp_path) -> None:
    extra = '[distill]\nteacher = "stance:accurate"\n[[distill.transfer]]\ndataset = "newsmtsc"\nsplit = "test-rw"\n'
    with pytest.raises(ConfigError, match=r"distill: .*only name train splits \(found \['newsmtsc:test-rw'\]\)"):
        load_config(write(tmp_path, MINIMAL + extra))
