"""What the API reference cannot read from the source alone: constructors and enum members.

griffe reads classes statically, so it sees no ``__init__`` on an attrs class (attrs writes one
when the module is imported) and the reference would show no constructor parameters. This
extension imports each attrs class, takes the signature attrs gave it, and keeps the source's
annotations so that they still link. The clients inherit ``__init__`` from a generic base, whose
type variables (``ClientT``) would mean nothing to a reader: they are replaced by what each
client binds them to. An enum's members have no docstrings, so the reference would list none:
each enum's docstring gets a table of its members and their values.
"""

import dataclasses
import enum
import importlib
import inspect
from typing import Any

import attrs
import griffe


def _runtime(cls: griffe.Class) -> Any:
    """The class itself, imported; None when its module cannot be imported here."""
    try:
        module = importlib.import_module(cls.module.path)
    except ImportError:
        return None
    obj: Any = module
    for name in cls.path.removeprefix(cls.module.path + ".").split("."):
        obj = getattr(obj, name, None)
    return obj if isinstance(obj, type) else None


def _default(value: object, field: "attrs.Attribute[Any] | None") -> str | None:
    if value is inspect.Parameter.empty:
        return None
    factory = getattr(field, "default", None)
    if value is attrs.NOTHING and callable(getattr(factory, "factory", None)):
        # A Factory default: attrs passes NOTHING and calls it inside __init__. Show what it
        # makes, unless it needs the instance.
        value = attrs.NOTHING if factory.takes_self else factory.factory()  # type: ignore[union-attr]
    if isinstance(value, enum.Enum):
        return f"{type(value).__name__}.{value.name}"
    text = repr(value)
    return f"{type(value).__name__}(...)" if text.startswith("<") else text


def _annotation(cls: griffe.Class, name: str, fallback: object) -> str | griffe.Expr | None:
    """The field's annotation as the source writes it, so that its names link."""
    member = cls.all_members.get(name)  # an inherited field is an Alias of the base's
    annotation = getattr(member, "annotation", None) if member is not None else None
    if member is not None and member.is_attribute and annotation is not None:
        return annotation  # type: ignore[no-any-return]
    if fallback is inspect.Parameter.empty:
        return None
    return fallback if isinstance(fallback, str) else inspect.formatannotation(fallback)


def _attrs_init(cls: griffe.Class, runtime: type) -> griffe.Function:
    fields = {field.alias: field for field in attrs.fields(runtime)}
    parameters = [griffe.Parameter("self", kind=griffe.ParameterKind.positional_or_keyword)]
    for param in inspect.signature(runtime).parameters.values():
        field = fields.get(param.name)
        parameters.append(
            griffe.Parameter(
                param.name,
                annotation=_annotation(cls, field.name if field else param.name, param.annotation),
                kind=griffe.ParameterKind(param.kind.description),
                default=_default(param.default, field),
            )
        )
    return griffe.Function(
        "__init__",
        lineno=cls.lineno,
        endlineno=cls.lineno,
        parent=cls,
        parameters=griffe.Parameters(*parameters),
        returns="None",
    )


def _substitute(expr: Any, bound: dict[str, Any]) -> Any:
    if isinstance(expr, griffe.ExprName) and expr.name in bound:
        return bound[expr.name]
    if isinstance(expr, griffe.ExprBinOp):
        left, right = _substitute(expr.left, bound), _substitute(expr.right, bound)
        return dataclasses.replace(expr, left=left, right=right)
    return expr


def _type_arguments(cls: griffe.Class, base: griffe.ExprSubscript) -> list[Any]:
    arguments = base.slice.elements if isinstance(base.slice, griffe.ExprTuple) else [base.slice]
    # A quoted argument ("LambdaClient") becomes the name it quotes.
    return [
        griffe.ExprName(a.strip("'\""), parent=cls) if isinstance(a, str) else a for a in arguments
    ]


def _bound_init(cls: griffe.Class) -> griffe.Function | None:
    """The generic base's ``__init__`` with its type variables replaced by the class's arguments."""
    for base in cls.bases:
        if not isinstance(base, griffe.ExprSubscript) or not isinstance(base.left, griffe.ExprName):
            continue
        try:
            parent = cls.modules_collection.get_member(base.left.canonical_path)
        except (KeyError, griffe.AliasResolutionError):
            continue  # a base from outside the package, such as typing.Generic
        init = parent.members.get("__init__") if isinstance(parent, griffe.Class) else None
        generic = [b for b in getattr(parent, "bases", []) if str(b).startswith("Generic[")]
        if not isinstance(init, griffe.Function) or not generic:
            continue
        variables = [str(name) for name in _type_arguments(parent, generic[0])]
        bound = dict(zip(variables, _type_arguments(cls, base), strict=True))
        parameters = [
            griffe.Parameter(
                p.name,
                annotation=_substitute(p.annotation, bound),
                kind=p.kind,
                default=p.default,
                docstring=p.docstring,
            )
            for p in init.parameters
        ]
        return griffe.Function(
            "__init__",
            lineno=init.lineno,
            endlineno=init.endlineno,
            parent=cls,
            parameters=griffe.Parameters(*parameters),
            returns=init.returns,
            docstring=init.docstring,
        )
    return None


def _members_table(runtime: type[enum.Enum]) -> str:
    rows = "\n".join(f"| `{member.name}` | `{member.value!r}` |" for member in runtime)
    return f"| Member | Value |\n| --- | --- |\n{rows}"


def _classes(obj: griffe.Module | griffe.Class) -> list[griffe.Class]:
    found = []
    for member in obj.members.values():
        if member.is_alias:
            continue
        if isinstance(member, griffe.Class):
            found += [member, *_classes(member)]
        elif isinstance(member, griffe.Module):
            found += _classes(member)
    return found


class LambdaCodeReference(griffe.Extension):
    """Constructor signatures of attrs classes and member tables of enums."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:  # noqa: ARG002
        """Complete every class of the package once it is loaded."""
        for cls in _classes(pkg):
            if "__init__" not in cls.members and (init := _bound_init(cls)) is not None:
                cls.set_member("__init__", init)
            runtime = _runtime(cls)
            if runtime is None:
                continue
            if attrs.has(runtime) and "__init__" not in cls.members:
                cls.set_member("__init__", _attrs_init(cls, runtime))
            if issubclass(runtime, enum.Enum):
                table = _members_table(runtime)
                if cls.docstring is None:
                    cls.docstring = griffe.Docstring(table, parent=cls)
                else:
                    cls.docstring.value = f"{cls.docstring.value}\n\n{table}"
