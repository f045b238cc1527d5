"""Every Python example in the documentation runs, page by page, against the simulator."""

import linecache
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]

# A fenced block: its info string (```python title="real AWS") and its body.
_FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
# Put on the line before a fence whose example needs real AWS, so it is shown but not run.
NOT_RUN = "<!-- not-run -->"
# Examples that cannot run offline are kept few; each one is a claim no test checks.
MAX_NOT_RUN = 3


def python_blocks(text: str) -> tuple[list[str], list[str]]:
    """The page's Python blocks, split into (run, not run), in page order."""
    run: list[str] = []
    not_run: list[str] = []
    for match in _FENCE.finditer(text):
        if match["info"].split(" ")[0].strip() != "python":
            continue
        before = text[: match.start()].rstrip("\n").rpartition("\n")[2]
        (not_run if before.strip() == NOT_RUN else run).append(match["body"])
    return run, not_run


def _runnable_pages() -> list[Path]:
    return [page for page in PAGES if page.exists() and python_blocks(page.read_text())[0]]


@pytest.mark.parametrize("page", _runnable_pages(), ids=lambda page: page.name)
def test_examples_run(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each page's Python blocks run in order in one namespace without raising."""
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    run, _ = python_blocks(page.read_text())
    for number, block in enumerate(run, start=1):
        filename = f"{page.name} (python block {number})"
        # So that a failing example's traceback shows its lines.
        linecache.cache[filename] = (len(block), None, block.splitlines(keepends=True), filename)
        code = compile(block, filename, "exec")
        exec(code, namespace)  # noqa: S102  the documentation's own examples


def test_not_run_examples_are_few_and_labelled() -> None:
    """Blocks skipped as needing real AWS are few, and each says so in its title."""
    skipped = []
    for page in PAGES:
        if page.exists():
            text = page.read_text()
            skipped += [m for m in _FENCE.finditer(text) if m["body"] in python_blocks(text)[1]]
    assert 0 < len(skipped) <= MAX_NOT_RUN
    assert all('title="real AWS"' in match["info"] for match in skipped)


def test_the_extractor_finds_and_skips_blocks() -> None:
    """The extractor takes python blocks only and honours the not-run marker."""
    text = (
        "```python\nx = 1\n```\n\n"
        "```bash\nls\n```\n\n"
        f'{NOT_RUN}\n```python title="real AWS"\nboto3()\n```\n\n'
        '```python title="more"\ny = 2\n```\n'
    )
    assert python_blocks(text) == (["x = 1\n", "y = 2\n"], ["boto3()\n"])


def test_every_page_is_in_the_site() -> None:
    """Every page under docs/ is in mkdocs.yml's navigation."""
    nav = (ROOT / "mkdocs.yml").read_text()
    for page in (ROOT / "docs").glob("*.md"):
        assert f": {page.name}" in nav, page.name
