"""The module import graph: one-way layers as docs/architecture.md draws them, and no cycle."""

import ast
import graphlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "lambda_code"
DOC = ROOT / "docs" / "architecture.md"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that ``path`` imports at run time (anywhere in the file)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for statement in node.orelse:
                visit(statement)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            if node.module is not None:  # `from . import x` imports x, not the package
                found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            # importlib.import_module("lambda_code...") is an import too.
            found.update(
                arg.value
                for arg in node.args
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
            )
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(), str(path)))
    return {m for m in found if m in modules and m != name}


def import_graph() -> dict[str, set[str]]:
    """Each module of the package and the package's modules it imports."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    modules = set(paths)
    return {name: _imports(path, modules) for name, path in paths.items()}


def documented_layers() -> list[tuple[str, list[str]]]:
    """The layers of docs/architecture.md, top to bottom, with their modules' full names."""
    text = DOC.read_text()
    table = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    layers = []
    for row in re.findall(r"^\| (\w+) \| (.+?) \|", table, re.MULTILINE):
        layer, cells = row
        if layer == "Layer":
            continue
        names = re.findall(r"`([\w.]+)`", cells)
        layers.append((layer, [n if n == "lambda_code" else f"lambda_code.{n}" for n in names]))
    return layers


def test_the_import_graph_has_no_cycle() -> None:
    """No module imports, directly or not, one that imports it back."""
    graph = import_graph()
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as err:
        pytest.fail(f"import cycle: {' -> '.join(err.args[1])}")


def test_every_module_is_in_exactly_one_documented_layer() -> None:
    """docs/architecture.md places each module once, and names no module that does not exist."""
    placed = [m for _, modules in documented_layers() for m in modules]
    assert len(placed) == len(set(placed)), "a module is in two layers"
    assert set(placed) == set(import_graph())


def test_no_layer_imports_one_above_it() -> None:
    """Every import goes to the importer's own layer or one below it."""
    level = {m: i for i, (_, modules) in enumerate(documented_layers()) for m in modules}
    upward = [
        f"{importer} ({level[importer]}) imports {imported} ({level[imported]})"
        for importer, imported_set in import_graph().items()
        for imported in imported_set
        if level[imported] < level[importer]
    ]
    assert not upward, upward


def test_the_graph_is_read_correctly() -> None:
    """The reader sees imports known to exist: relative, absolute, deferred and dynamic."""
    graph = import_graph()
    assert "lambda_code._errors" in graph["lambda_code._retry"]
    assert "lambda_code._client" in graph["lambda_code._cli"]  # imported inside a function
    assert "lambda_code.testing._simulator" in graph["lambda_code.testing._plugin"]
    assert graph["lambda_code._errors"] == set()
