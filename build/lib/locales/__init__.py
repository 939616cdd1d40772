"""User-facing texts. Persian (fa) is the default; English (en) is complete. Keys are `section.name`."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LOCALES = ("fa", "en")
_HERE = Path(__file__).parent


def _flatten(table: dict[str, object], prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


@cache
def catalog(locale: str) -> dict[str, object]:
    with (_HERE / f"{locale}.toml").open("rb") as fh:
        return _flatten(tomllib.load(fh))


def text(locale: str, key: str) -> str:
    value = catalog(locale if locale in LOCALES else "fa").get(key)
    if not isinstance(value, str):
        raise KeyError(f"missing text {key!r} in locale {locale!r}")
    return value


def text_list(locale: str, key: str) -> list[str]:
    value = catalog(locale if locale in LOCALES else "fa").get(key)
    if not isinstance(value, list):
        raise KeyError(f"missing list {key!r} in locale {locale!r}")
    return [str(v) for v in value]
