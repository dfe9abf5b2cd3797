"""The wheel carries what the installed package reads at run time (non-editable installs included)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_ships_the_gazetteer_templates_and_configs(tmp_path) -> None:
    source = tmp_path / "src"  # a copy: setuptools builds in the source tree
    for name in ("stance", "training"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path)],
        check=True,
        cwd=tmp_path,
    )
    (wheel,) = tmp_path.glob("stance-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "stance/article/gazetteer.yaml" in names
    assert "stance/report/templates/report.html.j2" in names
    assert "training/configs/default.toml" in names
    assert {"stance/web/static/index.html", "stance/web/static/app.js", "stance/web/static/style.css"} <= names
