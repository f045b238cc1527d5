"""Tests for lambda_code._views: repr, Jupyter HTML and rich show set members, never secrets."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.pretty import pretty_repr

from lambda_code import (
    DeployEvent,
    DeployResult,
    FunctionConfiguration,
    State,
    UpdateFunctionCodeRequest,
    _events,
    _models,
    _views,
)
from lambda_code.models import TracingConfig, TracingMode
from lambda_code.testing import SimulatedLambda, make_zip
from strategies import function_configuration_dicts

if TYPE_CHECKING:
    from collections.abc import Callable

#: Stands for a secret: an environment value, a token, an error message quoting one.
_SECRET = "s3cr3t"  # noqa: S105 - a fake secret, to check it is not shown

view_settings = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

#: Every way a person sees a value: the REPL, print, Jupyter, rich.
VIEWS: dict[str, Callable[[Any], str]] = {
    "repr": repr,
    "str": str,
    "html": lambda value: value._repr_html_(),
    "rich": pretty_repr,
}


def _set_members(obj: Any) -> list[str]:
    return [
        f.name
        for f in attrs.fields(type(obj))
        if f.repr is not False and getattr(obj, f.name) is not None
    ]


# ---------------------------------------------------------------------------------------------
# Which classes have the views, and that they follow the fields


def _view_classes() -> list[type[Any]]:
    names = [(_models, name) for name in _models.__all__] + [
        (_events, name) for name in _events.__all__
    ]
    return [getattr(module, name) for module, name in names]


@pytest.mark.parametrize("cls", _view_classes(), ids=lambda cls: cls.__name__)
def test_every_model_result_and_event_has_the_views(cls: type[Any]) -> None:
    """Models, nested shapes, DeployResult and every event show themselves the same way."""
    for name in ("__repr__", "_repr_html_", "__rich_repr__"):
        assert vars(cls)[name] is _views._VIEWS[name]


@_views.views
@attrs.frozen(kw_only=True)
class _Sample:
    name: str
    count: int = 0
    note: str | None = None
    token: str | None = attrs.field(default=None, repr=lambda _: "'<hidden>'")
    internal: str | None = attrs.field(default=None, repr=False)
    later: tuple[State | str, ...] | None = None


def test_views_show_the_set_members_of_any_attrs_class() -> None:
    """A class's members, added later or not, show when set, hidden ones by their own repr."""
    sample = _Sample(name="a", token=_SECRET, internal="inner", later=(State.ACTIVE, "New"))
    assert repr(sample) == "_Sample(name='a', count=0, token='<hidden>', later=('Active', 'New'))"
    assert dict(sample.__rich_repr__()).keys() == {"name", "count", "token", "later"}  # type: ignore[attr-defined]
    assert _rows(sample._repr_html_()) == ["name", "count", "token", "later"]  # type: ignore[attr-defined]
    for show in VIEWS.values():
        text = show(sample)
        assert "s3cr3t" not in text
        assert "inner" not in text


def test_views_need_an_attrs_class() -> None:
    """views refuses a class it cannot read the members of."""
    with pytest.raises(TypeError, match="attrs"):
        _views.views(int)


def test_rich_is_not_imported() -> None:
    """The views meet rich's protocol without importing rich."""
    code = (
        "import sys, lambda_code\n"
        "config = lambda_code.FunctionConfiguration.from_api({'FunctionName': 'f'})\n"
        "repr(config), config._repr_html_(), list(config.__rich_repr__())\n"
        "assert 'rich' not in sys.modules, 'rich was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603 - our own code


# ---------------------------------------------------------------------------------------------
# Only the members that are set


def _without_variables(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without environment variables, whose names-only repr is no Python expression."""
    environment = data.get("Environment")
    if isinstance(environment, dict) and "Variables" in environment:
        return {**data, "Environment": {k: v for k, v in environment.items() if k != "Variables"}}
    return data


def _check_call(node: ast.expr, obj: Any) -> None:
    """The repr's call ``node`` names exactly ``obj``'s set members, recursively."""
    if attrs.has(type(obj)):
        assert isinstance(node, ast.Call)
        assert isinstance(node.func, ast.Name)
        assert node.func.id == type(obj).__name__
        assert not node.args
        assert [k.arg for k in node.keywords] == _set_members(obj)
        for keyword in node.keywords:
            assert keyword.arg is not None
            _check_call(keyword.value, getattr(obj, keyword.arg))
    elif type(obj) is tuple:
        assert isinstance(node, ast.Tuple)
        for item_node, item in zip(node.elts, obj, strict=True):
            _check_call(item_node, item)
    else:
        assert not (isinstance(node, ast.Constant) and node.value is None)


@view_settings
@given(function_configuration_dicts())
def test_repr_is_a_call_with_only_the_set_members(data: dict[str, Any]) -> None:
    """repr is a constructor call naming every set member, nested ones too, and no None."""
    config = FunctionConfiguration.from_api(_without_variables(data))
    tree = ast.parse(repr(config), mode="eval")
    _check_call(tree.body, config)


@view_settings
@given(function_configuration_dicts())
def test_rich_yields_only_the_set_members(data: dict[str, Any]) -> None:
    """__rich_repr__ yields the set members in field order; rich shows no None."""
    config = FunctionConfiguration.from_api(data)
    assert [name for name, _ in config.__rich_repr__()] == _set_members(config)  # type: ignore[attr-defined]
    plain = FunctionConfiguration.from_api(_without_variables(data))
    _check_call(ast.parse(pretty_repr(plain, max_width=1_000_000), mode="eval").body, plain)


class _Tables(HTMLParser):
    """The tables of a view: for each, its caption and rows (name, text, nested tables)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.tables: list[dict[str, Any]] = []
        self._open: list[dict[str, Any]] = []
        self._cell: str | None = None
        self._head = False

    def handle_starttag(self, tag: str, attributes: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "table":
            table: dict[str, Any] = {"caption": "", "rows": []}
            if self._open:
                self._open[-1]["rows"][-1]["tables"].append(table)
            else:
                self.tables.append(table)
            self._open.append(table)
        elif tag == "thead":
            self._head = True
        elif tag == "tr" and not self._head:
            self._open[-1]["rows"].append({"name": "", "text": "", "tables": []})
        elif tag == "th":
            self._cell = "caption" if ("colspan", "2") in attributes else "name"
        elif tag == "td":
            self._cell = "text"

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._open.pop()
        elif tag == "thead":
            self._head = False
        elif tag in ("th", "td"):
            self._cell = None

    def handle_data(self, data: str) -> None:
        table = self._open[-1] if self._open else None
        if table is None or self._cell is None:
            return
        if self._cell == "caption":
            table["caption"] += data
        else:
            table["rows"][-1][self._cell] += data


def _parse(html: str) -> _Tables:
    parser = _Tables()
    parser.feed(html)
    parser.close()
    assert parser.tags <= {"table", "thead", "tbody", "tr", "th", "td"}, parser.tags
    return parser


def _rows(html: str) -> list[str]:
    (table,) = _parse(html).tables
    return [row["name"] for row in table["rows"]]


def _check_table(table: dict[str, Any], obj: Any) -> None:
    """The HTML ``table`` has a row for each set member of ``obj``, nested shapes as tables."""
    assert [row["name"] for row in table["rows"]] == _set_members(obj)
    for row in table["rows"]:
        value = getattr(obj, row["name"])
        items = value if type(value) is tuple else (value,)
        shapes = [item for item in items if attrs.has(type(item)) and _set_members(item)]
        assert len(row["tables"]) == len(shapes)
        for nested, item in zip(row["tables"], shapes, strict=True):
            _check_table(nested, item)


@view_settings
@given(function_configuration_dicts())
def test_html_has_a_row_for_each_set_member(data: dict[str, Any]) -> None:
    """_repr_html_ is one table, a row per set member, nested shapes as compact tables."""
    config = FunctionConfiguration.from_api(data)
    (table,) = _parse(config._repr_html_()).tables  # type: ignore[attr-defined]
    assert table["caption"] == "FunctionConfiguration"
    _check_table(table, config)


def test_html_shows_values_as_people_read_them() -> None:
    """Enums as their value, timestamps in ISO form, lists comma-separated, strings unquoted."""
    config = FunctionConfiguration.from_api(
        {
            "FunctionName": "orders",
            "State": "Active",
            "LastModified": "2026-01-02T03:04:05.000+0000",
            "Architectures": ["arm64"],
            "VpcConfig": {"SubnetIds": ["subnet-1", "subnet-2"]},
            "EphemeralStorage": {},
        }
    )
    (table,) = _parse(config._repr_html_()).tables  # type: ignore[attr-defined]
    cells = {row["name"]: row for row in table["rows"]}
    assert cells["function_name"]["text"] == "orders"
    assert cells["state"]["text"] == "Active"
    assert cells["last_modified"]["text"] == "2026-01-02T03:04:05+00:00"
    assert cells["architectures"]["text"] == "arm64"
    assert cells["vpc_config"]["tables"][0]["rows"][0]["text"] == "subnet-1, subnet-2"
    assert cells["ephemeral_storage"]["text"] == "EphemeralStorage()"


# ---------------------------------------------------------------------------------------------
# Escaping and secrets

_HOSTILE = st.one_of(
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "</td></tr></table><b>x</b>",
            "a & b",
            "\"quoted\" 'single'",
            "<!-- comment -->",
            "&lt;already&gt;",
            "<img src=x onerror=alert(1)>",
        ]
    ),
    st.text(alphabet=st.sampled_from("<>&\"'/=ab \n"), min_size=1, max_size=20),
    st.text(min_size=1, max_size=20),
)


@view_settings
@given(text=_HOSTILE, name=_HOSTILE)
def test_html_escapes_whatever_a_member_holds(text: str, name: str) -> None:
    """Hostile strings anywhere show as text: no tag but the table's, nothing lost."""
    config = FunctionConfiguration.from_api(
        {
            "FunctionName": text,
            "State": text,
            "Architectures": [text],
            "Environment": {"Variables": {name: "value"}},
            "Layers": [{"Arn": text}],
            "ImageConfigResponse": {"ImageConfig": {"Command": [text, text]}},
        }
    )
    html = config._repr_html_()  # type: ignore[attr-defined]
    tables = _parse(html)
    (table,) = tables.tables
    cells = {row["name"]: row for row in table["rows"]}
    assert cells["function_name"]["text"] == text
    assert cells["state"]["text"] == text
    assert cells["architectures"]["text"] == text
    assert name in cells["environment"]["tables"][0]["rows"][0]["text"]
    assert cells["layers"]["tables"][0]["rows"][0]["text"] == text
    image = cells["image_config_response"]["tables"][0]["rows"][0]["tables"][0]
    assert image["rows"][0]["text"] == f"{text}, {text}"


def _with_secrets(data: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """``data`` with secret environment values and error messages that may quote them."""
    error = {"ErrorCode": "InvalidParameterValueException", "Message": f"{_SECRET}-message"}
    return {
        **data,
        "Environment": {
            "Variables": {n: f"{_SECRET}-{i}" for i, n in enumerate(names)},
            "Error": error,
        },
        "ImageConfigResponse": {"Error": error},
        "RuntimeVersionConfig": {"Error": error},
    }


_VARIABLE_NAMES = st.lists(
    st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True), min_size=1, max_size=4, unique=True
)


@view_settings
@given(data=function_configuration_dicts(), names=_VARIABLE_NAMES)
def test_no_view_shows_a_secret(data: dict[str, Any], names: list[str]) -> None:
    """Environment values and error messages never show, in a result or an event either."""
    config = FunctionConfiguration.from_api(_with_secrets(data, names))
    result = DeployResult(configuration=config, changed=True, published=config)
    event = _events.PolledEvent(function_name="f", elapsed=1.0, configuration=config)
    for value in (
        config,
        result,
        event,
        _events.DoneEvent(function_name="f", elapsed=1.0, result=result),
    ):
        for view, show in VIEWS.items():
            text = show(value)
            assert _SECRET not in text, view
            assert all(name in text for name in names), view
            assert "InvalidParameterValueException" in text, view


def test_no_view_shows_zip_bytes() -> None:
    """A request shows its zip's size and CodeSha256 in every view, never its bytes."""
    payload = b"TOP-SECRET-SOURCE-CODE-" * 50
    data = make_zip({"secret.py": payload}, compression=zipfile.ZIP_STORED)
    request = UpdateFunctionCodeRequest(function_name="f", zip_file=data)
    for show in VIEWS.values():
        text = show(request)
        assert "TOP-SECRET" not in text
        assert f"{len(data)} bytes" in text


# ---------------------------------------------------------------------------------------------
# What people see


@pytest.fixture
def sim(simulated_lambda: SimulatedLambda) -> SimulatedLambda:
    """The simulator with one function with two environment variables."""
    simulated_lambda.create_function("orders", environment={"STAGE": "prod", "TOKEN": "s3cr3t"})
    return simulated_lambda


def test_a_typical_configuration_is_short(sim: SimulatedLambda) -> None:
    """An update's answer shows in under 1,000 characters (attrs' own repr: over 1,500)."""
    client = sim.lambda_code_client()
    config = client.update_function_code(
        UpdateFunctionCodeRequest(function_name="orders", zip_file=make_zip({"a.py": b"1"}))
    )
    text = repr(config)
    assert len(text) < 1000, text
    assert "=None" not in text
    assert "state='Active'" in text
    assert "environment=EnvironmentResponse(variables=<2 variables: STAGE, TOKEN>)" in text
    assert _SECRET not in text


def test_a_deploy_result_and_its_events_show_what_happened(sim: SimulatedLambda) -> None:
    """DeployResult and events show their set members: no version when none was published."""
    events: list[DeployEvent] = []
    result = sim.lambda_code_client().deploy(
        "orders", make_zip({"a.py": b"2"}), on_event=events.append
    )
    assert [name for name, _ in result.__rich_repr__()] == [  # type: ignore[attr-defined]
        "configuration",
        "changed",
        "elapsed",
        "dry_run",
    ]
    text = repr(result)
    assert text.startswith("DeployResult(configuration=FunctionConfiguration(function_name=")
    assert text.endswith(f"), changed=True, elapsed={result.elapsed!r}, dry_run=False)")
    assert "=None" not in text
    assert _SECRET not in text
    for event in events:
        assert "=None" not in repr(event)
        assert repr(event).startswith(type(event).__name__ + "(function_name='orders', elapsed=")


def test_enum_members_show_as_their_values() -> None:
    """An open enum shows as its value, which the field accepts and which compares equal."""
    config = FunctionConfiguration(
        state=State.ACTIVE,
        tracing_config=TracingConfig(mode=TracingMode.ACTIVE),
        last_modified=datetime(2026, 1, 1, tzinfo=UTC),
    )
    text = repr(config)
    assert text == (
        "FunctionConfiguration(last_modified=datetime.datetime(2026, 1, 1, 0, 0, "
        "tzinfo=datetime.timezone.utc), tracing_config=TracingConfig(mode='Active'), "
        "state='Active')"
    )
    assert pretty_repr(config.tracing_config) == "TracingConfig(mode='Active')"
