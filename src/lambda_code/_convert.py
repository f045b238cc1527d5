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
    "OnFirstRead",
    "converter",
    "on_first_read",
    "structure_hook",
    "structure_owned",
    "unconverted_members",
    "unstructure",
    "unstructure_hook",
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
# Members converted on first read.
#
# Converting a whole response (some 20 nested attrs objects, 40 slots) cost more than all the
# rest of a call's overhead over botocore, yet most callers read a few members. So a class
# decorated with ``on_first_read`` keeps the response and leaves the members' slots empty; the
# first read of one finds its slot empty, and ``__getattr__`` converts it and fills the slot,
# so later reads are plain slot reads. What a caller sees does not change:
#
# - ``from_api`` keeps a copy of the response (``marshal``: a deep copy in C), so changing the
#   dict afterwards changes nothing. Only a botocore answer to the client's own call, which
#   nothing else holds, is kept as it is (``structure_owned``).
# - A response is kept only if converting every member of it cannot fail: its values have the
#   containers botocore builds (a dict per structure, a list per list, a str per enum value).
#   Anything else, and any input that is not a plain dict, is converted at once by the same
#   hooks: what raised in ``from_api`` still raises there, and no one gets a half-built object.
#   A timestamp, whose parse may fail on any string, is always converted at once.
# - Threads that read a member at once get the same object: a member whose conversion makes a
#   new object is converted under a lock.
# - ``==``, ``hash``, ``repr``, pickling, copying, ``attrs.evolve``/``asdict`` and ``to_api``
#   read members as any caller does; ``attrs.fields`` and the annotations are the class's own.

_FIRST_READ = threading.Lock()


class OnFirstRead:
    """Base of a class ``on_first_read`` decorates: a slot for the response it keeps, and the
    ``__getattr__`` that converts a member on first read."""

    __slots__ = ("_response",)
    _response: bytes | dict[str, Any]

    # Hidden from type checkers, which would otherwise take any attribute name as valid.
    if not typing.TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            # Called only when normal lookup fails: here, when a member's slot is still empty.
            member = _MEMBERS.get(type(self), {}).get(name)
            if member is None:
                raise AttributeError(_no_attribute(self, name), name=name, obj=self)
            return member.first_read(self)


def _no_attribute(obj: object, name: str) -> str:
    return f"{type(obj).__name__!r} object has no attribute {name!r}"


_RESPONSE: Any = OnFirstRead.__dict__["_response"]


def _safe_expr(tp: Any, x: str, globs: dict[str, Any], depth: int = 0) -> str | None:
    """A Python expression, true when converting the wire value ``x`` of ``tp`` cannot fail.

    None when nothing can fail. Conservative: a value it refuses is converted at once instead.
    """
    if (inner := _optional_of(tp)) is not None:
        tp = inner
    if tp in _PRIMITIVES:
        # Passed through as they are; but a copy of a NaN is a new object with a new hash.
        return f"{x} == {x}" if tp is float else None
    if _open_enum(tp) is not None:
        test = f"type({x}) is str"
    elif typing.get_origin(tp) is dict and typing.get_args(tp) == (str, str):
        test = f"type({x}) is dict"  # cattrs applies str() to keys and values
    elif _tuple_of(tp):
        item = typing.get_args(tp)[0]
        test = f"type({x}) is list"
        if _safe_expr(item, "_", {}) is not None:
            name = f"_safe{len(globs)}"
            globs[name] = _safe_check(item)
            test = f"({test} and all(map({name}, {x})))"
    elif _is_wire_model(tp):
        test = _safe_model_expr(tp, x, globs, depth)
    else:
        test = "False"  # a parse that may fail, such as a timestamp's
    return test


def _safe_model_expr(tp: type[Any], x: str, globs: dict[str, Any], depth: int) -> str:
    # Written out inline, members named _1, _2, ... by depth: on the hot path a call per
    # nested shape would cost more than its test.
    member = f"_{depth + 1}"
    hints = typing.get_type_hints(tp)
    tests = [f"type({x}) is dict"] + [
        f"(({member} := {x}.get({f.metadata['wire']!r})) is None or {test})"
        for f in attrs.fields(tp)
        if (test := _safe_expr(hints[f.name], member, globs, depth + 1)) is not None
    ]
    return f"({' and '.join(tests)})"


def _safe_check(tp: Any) -> Callable[[Any], bool]:
    """A generated test that converting a wire value of ``tp`` cannot fail (see ``_safe_expr``)."""
    globs: dict[str, Any] = {}
    lines = ["def safe(v):", f"  return {_safe_expr(tp, 'v', globs) or 'True'}"]
    safe: Callable[[Any], bool] = _generate(lines, globs, f"safe {tp}")
    return safe


def _generate(lines: list[str], globs: dict[str, Any], what: str) -> Any:
    """The one function ``lines`` define, compiled with ``globs`` as its globals."""
    namespace: dict[str, Any] = {}
    code = compile("\n".join(lines), f"<lambda_code {what}>", "exec")
    exec(code, globs, namespace)  # noqa: S102 - lines written here, from attrs fields
    (function,) = namespace.values()
    return function


class _Member:
    """How to fill one member's slot from the kept response."""

    __slots__ = ("get_slot", "hook", "name", "new_object", "set_slot", "tp", "wire")

    def __init__(self, slot: Any, name: str, wire: str, tp: Any) -> None:
        self.get_slot = slot.__get__
        self.set_slot = slot.__set__
        self.name = name
        self.wire = wire
        # A kept value is never None, so the hook of X serves X | None.
        self.tp = tp if (inner := _optional_of(tp)) is None else inner
        # Primitives are kept as botocore parsed them.
        self.hook = None if self.tp in _PRIMITIVES else converter.get_structure_hook(self.tp)
        # A primitive, or an open enum's member or str, is the same object however often it
        # is converted; anything else is a new one, made once under the lock.
        self.new_object = self.hook is not None and _open_enum(self.tp) is None

    def first_read(self, obj: Any) -> Any:
        try:
            response = _RESPONSE.__get__(obj)
        except AttributeError:  # made by __new__ alone: nothing to read
            raise AttributeError(_no_attribute(obj, self.name), name=self.name, obj=obj) from None
        if type(response) is bytes:
            with _FIRST_READ:
                response = _RESPONSE.__get__(obj)
                if type(response) is bytes:
                    response = marshal.loads(response)  # noqa: S302 - bytes this module wrote
                    _RESPONSE.__set__(obj, response)
        value = response.get(self.wire)
        if value is None or self.hook is None:
            self.set_slot(obj, value)
            return value
        if not self.new_object:
            value = self.hook(value, self.tp)
            self.set_slot(obj, value)
            return value
        with _FIRST_READ:
            try:
                return self.get_slot(obj)  # another thread converted it meanwhile
            except AttributeError:
                pass
            value = self.hook(value, self.tp)
            self.set_slot(obj, value)
            return value


#: For each class ``on_first_read`` decorated, its members; and the structure functions.
_MEMBERS: dict[type[Any], dict[str, _Member]] = {}
_STRUCTURES: dict[tuple[type[Any], bool], Callable[..., Any]] = {}


def on_first_read(cls: type[_T]) -> type[_T]:
    """Make each member of ``cls`` convert on first read (see the comment above).

    ``cls`` is a slotted attrs wire model that subclasses ``OnFirstRead``; every member
    defaults to None with no validator or converter, as ``__init__`` never runs on parsing.
    """
    if not (_is_wire_model(cls) and issubclass(cls, OnFirstRead) and "__slots__" in vars(cls)):
        raise TypeError(f"{cls.__name__}: on_first_read needs a slotted wire model of OnFirstRead")
    hints = typing.get_type_hints(cls)
    members = {}
    for f in attrs.fields(typing.cast("type[Any]", cls)):
        if f.default is not None or f.validator or f.converter or not f.init:
            raise TypeError(f"{cls.__name__}.{f.name}: on_first_read needs a plain None default")
        members[f.name] = _Member(vars(cls)[f.name], f.name, f.metadata["wire"], hints[f.name])
    _MEMBERS[cls] = members
    return cls


def unconverted_members(obj: Any) -> list[str]:
    """The names of the members of ``obj`` not converted yet, in field order."""
    waiting = []
    for name, member in _MEMBERS.get(type(obj), {}).items():
        try:
            member.get_slot(obj)
        except AttributeError:
            waiting.append(name)
    return waiting


def _lazy_structure(cls: type[Any], *, copy: bool) -> Callable[..., Any]:
    """The generated function that makes a ``cls`` keeping a response (a copy, with ``copy``).

    When a value's conversion could fail, or the input is not a plain dict, or ``marshal``
    cannot copy it, the eager cattrs function converts everything, raising as it always has.
    """
    if (cls, copy) in _STRUCTURES:
        return _STRUCTURES[cls, copy]
    hints = typing.get_type_hints(cls)
    globs: dict[str, Any] = {
        "_new": object.__new__,
        "_cls": cls,
        "_dumps": marshal.dumps,
        "_keep": _RESPONSE.__set__,
        "_eager": _model_structure_hook(cls),
    }
    lines = ["def structure(o, _=None):", "  if type(o) is not dict: return _eager(o, _cls)"]
    lines.append("  get = o.get")
    now: list[str] = []  # members converted at once: their slots are filled below
    for i, f in enumerate(attrs.fields(cls)):
        safe = _safe_expr(hints[f.name], "v", globs)
        if safe is None:
            continue
        lines.append(f"  v = get({f.metadata['wire']!r})")
        if safe == "False":
            member = _MEMBERS[cls][f.name]
            globs.update({f"s{i}": member.set_slot, f"h{i}": member.hook, f"t{i}": member.tp})
            lines.append(f"  v{i} = None if v is None else h{i}(v, t{i})")
            now.append(f"  s{i}(self, v{i})")
        else:
            lines.append(f"  if v is not None and not {safe}: return _eager(o, _cls)")
    if copy:
        lines += ["  try: kept = _dumps(o)", "  except ValueError: return _eager(o, _cls)"]
    else:
        lines.append("  kept = o")
    lines += ["  self = _new(_cls)", *now, "  _keep(self, kept)", "  return self"]
    structure: Callable[..., Any] = _generate(lines, globs, f"structure {cls.__name__}")
    _STRUCTURES[cls, copy] = structure
    return structure


def structure_owned(cls: type[_T]) -> Callable[[Mapping[str, Any]], _T]:
    """A function that parses into ``cls`` a response nothing else holds, keeping no copy.

    For an ``on_first_read`` class; a botocore answer to the client's own call is such a
    response.
    """
    return _lazy_structure(cls, copy=False)


converter.register_structure_hook_factory(
    lambda tp: tp in _MEMBERS, lambda cls: _lazy_structure(cls, copy=True)
)


def structure_hook(cls: type[_T]) -> Callable[[Mapping[str, Any], type[_T]], _T]:
    """The generated function that parses a wire dict into ``cls``: bind it once, call it often.

    Binding skips cattrs' dispatch on every call, which matters on the hot path of every response.
    """
    return converter.get_structure_hook(cls)


def unstructure(obj: Any) -> dict[str, Any]:
    """The wire dict of any model instance, members at their defaults omitted."""
    result: dict[str, Any] = converter.unstructure(obj)
    return result


def unstructure_hook(cls: type[_T]) -> Callable[[_T], dict[str, Any]]:
    """The generated function that writes ``cls``'s wire dict: bind it once, call it often."""
    return converter.get_unstructure_hook(cls)
