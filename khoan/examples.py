"""Example province models shipped inside the package (they work from an installed wheel)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import KhoanError
from .model import Model
from .model import load as _load

__all__ = ["load", "names", "path"]


def _root() -> Path:
    return Path(str(resources.files("khoan").joinpath("models")))


def names() -> list[str]:
    """Names of the bundled example models, e.g. ``["khanh_hoa_2016", "khanh_hoa_2026"]``."""
    root = _root()
    return sorted(p.name for p in root.iterdir() if (p / "model.toml").is_file())


def path(name: str) -> Path:
    """Folder of the example model ``name``."""
    p = _root() / name
    if not (p / "model.toml").is_file():
        raise KhoanError(f"no example model {name!r}; available: {', '.join(names())}")
    return p


def load(name: str) -> Model:
    """Load the example model ``name`` (see :func:`names`)."""
    return _load(path(name))
