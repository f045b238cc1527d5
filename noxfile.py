"""Developer sessions: tests, lint, typecheck, docs, bench."""

import nox

nox.options.sessions = ["tests", "lint", "typecheck", "docs"]
nox.options.default_venv_backend = "venv"

SOURCES = ["src", "tests", "benchmarks", "docs", "noxfile.py"]


#: The versions pyproject.toml's classifiers claim; a missing interpreter is skipped locally.
PYTHONS = ["3.11", "3.12", "3.13"]


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite, as README.md runs it, on each supported Python."""
    session.install("-e", ".[tests]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff's checks and formatting."""
    session.install("ruff")
    session.run("ruff", "check", *SOURCES)
    session.run("ruff", "format", "--check", *SOURCES)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on the package and its tests."""
    session.install("-e", ".[tests,lint]")
    session.run("mypy", "--strict")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site; any warning fails the build."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict")


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks and rewrite benchmarks/RESULTS.md."""
    session.install("-e", ".[tests,bench]")
    session.run("python", "benchmarks/run.py", *session.posargs)
