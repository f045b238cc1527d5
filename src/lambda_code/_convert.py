"""The one cattrs converter: wire names and types for every model.

This module knows no model. Its hooks are keyed on what a type is, not on which class it is: any
attrs class whose fields all carry ``wire`` metadata gets generated structure and unstructure
functions that rename each field to its wire name, and ``Enum | str`` annotations keep unknown
values as ``str``. The models import this module to implement ``from_api``/``to_api``, so
dependencies run one way (models → converter) and no list of classes must be kept in sync.

Each function is generated once, the first time a type is seen, and cached by cattrs, so the
per-call cost is a single generated function call.
"""

import marshal
import threading
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

__all__ = [
    "converter",
    "deferred_members",
    "lazy_nested",
    "structure_hook",
    "unstructure",
]

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


# ---------------------------------------------------------------------------------------------
# Nested members converted on first read.
#
# A response's nested shapes cost most of its parsing (an attrs object each), yet most callers
# read a few top-level members and no nested one. So the structure function of a class decorated
# with ``lazy_nested`` leaves each nested member's wire value in its slot, and the member's
# descriptor converts it on first read. What a caller sees does not change:
#
# - The wire values are copied at once (``marshal``: a deep copy in C), so changing the dict
#   given to ``from_api`` afterwards changes nothing, as when everything was converted at once.
# - A value waits only if converting it cannot fail: it has the containers botocore builds (a
#   dict per structure, a list per list, a str per enum value). Anything else, and any input
#   that is not a plain dict, is converted at once by the same hooks, so what raised in
#   ``from_api`` still raises there and no one gets a half-built object.
# - The first read converts under a lock and stores the result in the member's slot, so threads
#   that read at once get the same object. ``==``, ``hash``, ``repr``, pickling, copying,
#   ``attrs.evolve``/``asdict`` and ``to_api`` read members as any caller does and so see them
#   converted; ``attrs.fields`` and the annotations are those of the class as written.

_FIRST_READ = threading.Lock()


class _Pending:
    """The copied wire values of an instance's members still to convert, in each one's slot."""

    __slots__ = ("values",)

    def __init__(self, values: bytes | dict[str, Any]) -> None:
        self.values = values


#: The classes ``lazy_nested`` decorated, whose structure functions defer nested members.
_LAZY_CLASSES: set[type[Any]] = set()


def _safe_expr(tp: Any, x: str, globs: dict[str, Any]) -> str | None:
    """A Python expression, true when converting the wire value ``x`` of ``tp`` cannot fail.

    None when nothing can. Conservative: a refused value is converted at once instead.
    """
    if (inner := _optional_of(tp)) is not None:
        tp = inner
    if tp in _PRIMITIVES:
        # Passed through as they are; but a copy of a NaN is a new object with a new hash.
        return f"{x} == {x}" if tp is float else None
    if _open_enum(tp) is not None:
        return f"type({x}) is str"
    if typing.get_origin(tp) is dict and typing.get_args(tp) == (str, str):
        return f"type({x}) is dict"  # cattrs applies str() to keys and values
    if _tuple_of(tp):
        item = typing.get_args(tp)[0]
        if _safe_expr(item, "_", {}) is None:
            return f"type({x}) is list"
        return f"(type({x}) is list and all(map({_bind(globs, _safe_check(item))}, {x})))"
    return f"{_bind(globs, _safe_check(tp))}({x})" if _is_wire_model(tp) else "False"


def _bind(globs: dict[str, Any], value: Any) -> str:
    """A new global name for ``value`` in generated code."""
    name = f"_g{len(globs)}"
    globs[name] = value
    return name


def _safe_check(tp: Any) -> Callable[[Any], bool]:
    """A generated test that converting a wire value of ``tp`` cannot fail (see ``_safe_expr``)."""
    globs: dict[str, Any] = {}
    lines = ["def safe(v):"]
    if _is_wire_model(tp):
        lines.append("  if type(v) is not dict: return False")
        hints = typing.get_type_hints(tp)
        for f in attrs.fields(tp):
            if (expr := _safe_expr(hints[f.name], "x", globs)) is not None:
                lines.append(f"  x = v.get({f.metadata['wire']!r})")
                lines.append(f"  if x is not None and not ({expr}): return False")
        lines.append("  return True")
    else:
        lines.append(f"  return {_safe_expr(tp, 'v', globs) or 'True'}")
    safe: Callable[[Any], bool] = _generate(lines, globs, f"safe {tp}")
    return safe


def _generate(lines: list[str], globs: dict[str, Any], what: str) -> Any:
    """The one function ``lines`` define, compiled with ``globs`` as its globals."""
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), f"<lambda_code {what}>", "exec"), globs, namespace)  # noqa: S102 - our own lines
    (function,) = namespace.values()
    return function


def _nested_model(tp: Any) -> bool:
    """Whether ``tp`` is ``X | None`` or ``tuple[X, ...] | None`` of a wire model ``X``."""
    inner = _optional_of(tp)
    if inner is not None and _tuple_of(inner):
        inner = typing.get_args(inner)[0]
    return _is_wire_model(inner)


class _NestedMember:
    """A nested member's descriptor: its slot, converted from the wire value on first read."""

    __slots__ = ("get_slot", "hook", "name", "safe", "set_slot", "slot", "tp", "wire")

    def __init__(self, slot: Any, name: str, wire: str, tp: Any) -> None:
        self.slot = slot
        self.get_slot = slot.__get__
        self.set_slot = slot.__set__
        self.name = name
        self.wire = wire
        self.tp = tp
        self.hook = converter.get_structure_hook(tp)
        self.safe = _safe_check(tp)

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        value = self.get_slot(obj)
        return self._first_read(obj, value) if type(value) is _Pending else value

    def __set__(self, obj: Any, value: Any) -> None:
        self.set_slot(obj, value)

    def __delete__(self, obj: Any) -> None:
        self.slot.__delete__(obj)

    def convert(self, value: Any) -> Any:
        return self.hook(value, self.tp)

    def _first_read(self, obj: Any, pending: _Pending) -> Any:
        with _FIRST_READ:
            value = self.get_slot(obj)
            if type(value) is not _Pending:
                return value  # another thread converted it meanwhile
            if type(pending.values) is bytes:
                pending.values = marshal.loads(pending.values)  # noqa: S302 - bytes we wrote
            values: dict[str, Any] = pending.values  # type: ignore[assignment]
            value = self.convert(values[self.wire])
            self.set_slot(obj, value)
            del values[self.wire]
            return value


def lazy_nested(cls: type[_T]) -> type[_T]:
    """Make the nested members of ``cls`` convert on first read (see the comment above).

    ``cls`` is a slotted attrs wire model; every member defaults to None with no validator or
    converter, as its structure function fills the slots directly, without ``__init__``.
    """
    if not (_is_wire_model(cls) and "__slots__" in vars(cls)):
        raise TypeError(f"{cls.__name__}: lazy_nested needs a slotted attrs wire model")
    hints = typing.get_type_hints(cls)
    for f in attrs.fields(typing.cast("type[Any]", cls)):
        if f.default is not None or f.validator or f.converter or not f.init:
            raise TypeError(f"{cls.__name__}.{f.name}: lazy_nested needs a plain None default")
        if _nested_model(hints[f.name]):
            member = _NestedMember(vars(cls)[f.name], f.name, f.metadata["wire"], hints[f.name])
            setattr(cls, f.name, member)
    _LAZY_CLASSES.add(cls)
    return cls


def deferred_members(obj: Any) -> list[str]:
    """The names of the nested members of ``obj`` not converted yet, in field order."""
    members = [vars(type(obj)).get(f.name) for f in attrs.fields(type(obj))]
    return [
        member.name
        for member in members
        if isinstance(member, _NestedMember) and type(member.get_slot(obj)) is _Pending
    ]


def _lazy_structure_hook(cls: type[Any]) -> Callable[[Any, Any], Any]:
    """A generated function that fills the slots of a new ``cls``, nested members deferred.

    Any input but a plain dict goes to the eager cattrs function, which raises as it always has.
    """
    hints = typing.get_type_hints(cls)
    deferred: dict[str, _NestedMember] = {}
    globs: dict[str, Any] = {
        "_new": object.__new__,
        "_cls": cls,
        "_Pending": _Pending,
        "_eager": _model_structure_hook(cls),
    }
    lines = [
        "def structure(o, _=None):",
        "  if type(o) is not dict: return _eager(o, _cls)",
        "  self = _new(_cls)",
        "  get = o.get",
        "  pending = None",
    ]
    for i, f in enumerate(attrs.fields(cls)):
        wire, tp, member = f.metadata["wire"], hints[f.name], vars(cls)[f.name]
        if isinstance(member, _NestedMember):
            deferred[wire] = member
            globs.update(
                {f"s{i}": member.set_slot, f"safe{i}": member.safe, f"c{i}": member.convert}
            )
            lines += [
                f"  v = get({wire!r})",
                f"  if v is None: s{i}(self, None)",
                f"  elif safe{i}(v):",
                "    if pending is None: values = {}; pending = _Pending(values)",
                f"    s{i}(self, pending)",
                f"    values[{wire!r}] = v",
                f"  else: s{i}(self, c{i}(v))",
            ]
        elif _optional_of(tp) in _PRIMITIVES:
            globs[f"s{i}"] = member.__set__
            lines.append(f"  s{i}(self, get({wire!r}))")
        else:
            globs.update(
                {f"s{i}": member.__set__, f"h{i}": converter.get_structure_hook(tp), f"t{i}": tp}
            )
            lines += [f"  v = get({wire!r})", f"  s{i}(self, None if v is None else h{i}(v, t{i}))"]
    lines += ["  if pending is not None: _copy(self, pending)", "  return self"]

    def copy(obj: Any, pending: _Pending) -> None:
        values: dict[str, Any] = pending.values  # type: ignore[assignment]
        try:
            pending.values = marshal.dumps(values)
        except ValueError:  # a value that is no plain builtin, which marshal cannot copy
            for wire, value in values.items():
                deferred[wire].set_slot(obj, deferred[wire].convert(value))

    globs["_copy"] = copy
    structure: Callable[[Any, Any], Any] = _generate(lines, globs, f"structure {cls.__name__}")
    return structure


converter.register_structure_hook_factory(lambda tp: tp in _LAZY_CLASSES, _lazy_structure_hook)


def structure_hook(cls: type[_T]) -> Callable[[Mapping[str, Any], type[_T]], _T]:
    """The generated function that parses a wire dict into ``cls``: bind it once, call it often.

    Binding skips cattrs' dispatch on every call, which matters on the hot path of every response.
    """
    return converter.get_structure_hook(cls)


def unstructure(obj: Any) -> dict[str, Any]:
    """The wire dict of any model instance, members at their defaults omitted."""
    result: dict[str, Any] = converter.unstructure(obj)
    return result
