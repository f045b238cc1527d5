"""The one cattrs converter: wire names and types for every model.

This module knows no model. Its hooks are keyed on what a type is, not on which class it is: any
attrs class whose fields all carry ``wire`` metadata gets generated structure and unstructure
functions that rename each field to its wire name, and ``Enum | str`` annotations keep unknown
values as ``str``. The models import this module to implement ``from_api``/``to_api``, so
dependencies run one way (models → converter) and no list of classes must be kept in sync.

Each function is generated once, the first time a type is seen, and cached by cattrs, so the
per-call cost is a single generated function call.
"""

import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

__all__ = ["converter", "structure_hook", "unstructure"]

_T = TypeVar("_T")

converter = cattrs.Converter(detailed_validation=False)


def _parse_timestamp(value: Any, _: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    # fromisoformat takes AWS's "+0000", "Z" and moto's nanoseconds (truncated to microseconds).
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _format_timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    # AWS sends milliseconds; finer values keep their microseconds so round trips stay lossless.
    fraction = (
        f"{value.microsecond // 1000:03d}"
        if value.microsecond % 1000 == 0
        else f"{value.microsecond:06d}"
    )
    return value.strftime(f"%Y-%m-%dT%H:%M:%S.{fraction}%z")


converter.register_structure_hook(datetime, _parse_timestamp)
converter.register_unstructure_hook(datetime, _format_timestamp)


def _open_enum(tp: Any) -> type[StrEnum] | None:
    """The enum of an ``Enum | str`` (optionally ``| None``) annotation, else None."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    args = typing.get_args(tp)
    enums = [a for a in args if isinstance(a, type) and issubclass(a, StrEnum)]
    if len(enums) == 1 and str in args:
        return enums[0]
    return None


def _open_enum_hook(tp: Any) -> Callable[[Any, Any], Any]:
    enum = _open_enum(tp)
    assert enum is not None  # noqa: S101 - guarded by the predicate
    members: Mapping[str, StrEnum] = {m.value: m for m in enum}

    def structure(value: Any, _: Any) -> Any:
        # A value the enum does not know yet stays a plain str, so it round-trips unchanged.
        return members.get(value, value)

    return structure


converter.register_structure_hook_factory(lambda tp: _open_enum(tp) is not None, _open_enum_hook)
converter.register_unstructure_hook_factory(lambda tp: _open_enum(tp) is not None, lambda _: str)


# botocore has already parsed these to the right Python type from the service model.
_PRIMITIVES = (str, int, bool, float)


def _optional_of(tp: Any) -> Any:
    """X of an ``X | None`` annotation, else None."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    return args[0] if len(args) == 1 and len(typing.get_args(tp)) == 2 else None


def _optional_hook(tp: Any) -> Callable[[Any, Any], Any]:
    # cattrs' generic Optional handling dispatches on the inner type at every call; resolving
    # it once here keeps FunctionConfiguration.from_api within a few microseconds.
    inner = _optional_of(tp)
    if inner in _PRIMITIVES:
        return lambda value, _: value
    handler = converter.get_structure_hook(inner)
    return lambda value, _: None if value is None else handler(value, inner)


def _tuple_structure_hook(tp: Any) -> Callable[[Any, Any], Any]:
    (item, _) = typing.get_args(tp)
    if item in _PRIMITIVES:
        return lambda value, _: tuple(value)
    handler = converter.get_structure_hook(item)
    return lambda value, _: tuple([handler(v, item) for v in value])


def _tuple_of(tp: Any) -> bool:
    return typing.get_origin(tp) is tuple


def _tuple_unstructure_hook(tp: Any) -> Callable[[Any], Any]:
    (item, _) = typing.get_args(tp)
    if attrs.has(item):
        item_fn = converter.get_unstructure_hook(item)
        return lambda value: [item_fn(v) for v in value]
    if _open_enum(item) is not None:
        return lambda value: [str(v) for v in value]
    return list


converter.register_unstructure_hook_factory(_tuple_of, _tuple_unstructure_hook)
converter.register_structure_hook_factory(_tuple_of, _tuple_structure_hook)
converter.register_structure_hook_factory(lambda tp: _optional_of(tp) is not None, _optional_hook)


def _is_wire_model(tp: Any) -> bool:
    """Whether ``tp`` is an attrs class whose every field names its wire member."""
    return (
        isinstance(tp, type)
        and attrs.has(tp)
        and all("wire" in f.metadata for f in attrs.fields(tp))
    )


def _renames(cls: type[Any]) -> dict[str, Any]:
    return {f.name: override(rename=f.metadata["wire"]) for f in attrs.fields(cls)}


def _model_structure_hook(cls: type[Any]) -> Callable[[Any, Any], Any]:
    return make_dict_structure_fn(cls, converter, **_renames(cls))


def _model_unstructure_hook(cls: type[Any]) -> Callable[[Any], Any]:
    return make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True, **_renames(cls))


converter.register_structure_hook_factory(_is_wire_model, _model_structure_hook)
converter.register_unstructure_hook_factory(_is_wire_model, _model_unstructure_hook)


def structure_hook(cls: type[_T]) -> Callable[[Mapping[str, Any], type[_T]], _T]:
    """The generated function that parses a wire dict into ``cls``: bind it once, call it often.

    Binding skips cattrs' dispatch on every call, which matters on the hot path of every response.
    """
    return converter.get_structure_hook(cls)


def unstructure(obj: Any) -> dict[str, Any]:
    """The wire dict of any model instance, members at their defaults omitted."""
    result: dict[str, Any] = converter.unstructure(obj)
    return result
