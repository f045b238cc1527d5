"""How models, results and events show themselves to people: ``repr``, Jupyter and rich.

``views`` gives an attrs class all three, generic over its fields, so a member added later shows
with no further work. Each view shows only the members that are set (not None), and where a
field has its own ``repr=`` callable (that is how a secret is hidden: environment values, error
messages, zip bytes) all three show what that callable returns, never the value.
"""

import enum
import html
import typing
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar

import attrs

__all__ = ["views"]

_C = TypeVar("_C", bound=type)

#: A member: its name, its value, and the field's own repr (None when it has none).
_Member = tuple[str, Any, Callable[[Any], str] | None]


def _members(obj: Any) -> Iterator[_Member]:
    """The members of attrs instance ``obj`` that are set, in field order."""
    for field in attrs.fields(type(obj)):
        if field.repr is False:
            continue
        value = getattr(obj, field.name)
        if value is not None:
            yield field.name, value, field.repr if callable(field.repr) else None


def _class_name(obj: Any) -> str:
    # As attrs does: a class defined in a function shows without its "<locals>." path.
    qualname: str = type(obj).__qualname__
    return qualname.rsplit(">.", 1)[-1]


# -- repr --------------------------------------------------------------------------------------


def _repr_value(value: Any) -> str:
    # An open enum's member shows as its value: the field takes the string too, and they are equal.
    if isinstance(value, enum.Enum):
        return repr(value.value)
    if type(value) is tuple:
        items = [_repr_value(item) for item in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    return repr(value)


def _repr(self: Any) -> str:
    members = ", ".join(
        f"{name}={own(value) if own else _repr_value(value)}" for name, value, own in _members(self)
    )
    return f"{_class_name(self)}({members})"


# -- Jupyter -----------------------------------------------------------------------------------

_CELL = 'style="text-align:left;vertical-align:top;padding:1px 6px"'


def _text(value: Any) -> str:
    """A scalar as a person reads it, not yet escaped."""
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value)


def _html_value(value: Any, own: Callable[[Any], str] | None) -> str:
    if own is not None:
        return html.escape(own(value))
    if attrs.has(type(value)):
        return _table(value, caption=False)
    if type(value) is tuple:
        if any(attrs.has(type(item)) for item in value):
            return "".join(_html_value(item, None) for item in value)
        return html.escape(", ".join(_text(item) for item in value))
    return html.escape(_text(value))


def _table(obj: Any, *, caption: bool) -> str:
    rows = "".join(
        f"<tr><th {_CELL}>{html.escape(name)}</th><td {_CELL}>{_html_value(value, own)}</td></tr>"
        for name, value, own in _members(obj)
    )
    if not (rows or caption):
        return html.escape(f"{_class_name(obj)}()")  # a nested shape with nothing set
    head = (
        f'<thead><tr><th colspan="2" {_CELL}>{html.escape(_class_name(obj))}</th></tr></thead>'
        if caption
        else ""
    )
    return f'<table class="lambda-code" style="margin:0">{head}<tbody>{rows}</tbody></table>'


def _repr_html(self: Any) -> str:
    return _table(self, caption=True)


# -- rich --------------------------------------------------------------------------------------


class _Shown:
    """A value rich shows as ``text``: a field's own repr, so a hidden secret stays hidden."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _rich_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if type(value) is tuple:
        return tuple(_rich_value(item) for item in value)
    return value


def _rich_repr(self: Any) -> Iterator[tuple[str, Any]]:
    for name, value, own in _members(self):
        yield name, _Shown(own(value)) if own else _rich_value(value)


# ----------------------------------------------------------------------------------------------

_VIEWS: dict[str, Callable[..., Any]] = {
    "__repr__": _repr,
    "_repr_html_": _repr_html,
    "__rich_repr__": _rich_repr,
}


def views(cls: _C) -> _C:
    """Give attrs class ``cls`` its views: ``repr``, ``_repr_html_`` and ``__rich_repr__``.

    They replace the ``repr`` attrs wrote; rich is not imported, only its protocol is met.
    """
    if not attrs.has(typing.cast("type[Any]", cls)):
        raise TypeError(f"{cls.__name__} is not an attrs class")
    for name, method in _VIEWS.items():
        setattr(cls, name, method)
    return cls
