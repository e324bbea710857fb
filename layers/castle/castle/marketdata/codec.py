"""Dataclass <-> DynamoDB item: Decimals as exact strings, ints as numbers, None left out."""

from dataclasses import fields, is_dataclass
from decimal import Decimal
from functools import cache
from types import UnionType
from typing import Any, TypeVar, Union, cast, get_args, get_origin, get_type_hints

T = TypeVar("T")


def to_item(obj: object) -> dict[str, Any]:
    assert is_dataclass(obj)
    item: dict[str, Any] = {}
    for f in fields(obj):
        value = getattr(obj, f.name)
        if value is None:
            continue
        item[f.name] = f"{value:f}" if isinstance(value, Decimal) else value
    return item


@cache
def _field_types(cls: Any) -> dict[str, tuple[type, bool]]:
    """Each field's type and whether it may be None."""
    resolved: dict[str, tuple[type, bool]] = {}
    for name, hint in get_type_hints(cls).items():
        optional = get_origin(hint) in (Union, UnionType)
        kind = next(arg for arg in get_args(hint) if arg is not type(None)) if optional else hint
        resolved[name] = (kind, optional)
    return resolved


def from_item(cls: type[T], item: dict[str, Any]) -> T:
    values: dict[str, Any] = {}
    for name, (kind, optional) in _field_types(cast(Any, cls)).items():
        raw = item.get(name)
        if raw is None:
            if optional:
                values[name] = None
            continue
        if kind is Decimal:
            values[name] = Decimal(str(raw))
        elif kind is bool:
            values[name] = bool(raw)
        elif kind is int:
            values[name] = int(raw)
        else:
            values[name] = raw
    return cls(**values)
