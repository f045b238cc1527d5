"""The public surface: exactly the names DESIGN.md promises, and the installed version."""

from importlib.metadata import version

import lambda_code
import lambda_code.testing


def _isort_key(name: str) -> tuple[int, str]:
    # The order ruff keeps __all__ in: CONSTANTS, then Classes, then functions and dunders.
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_exactly_the_public_names() -> None:
    """__all__ lists every public name defined in the package and nothing else."""
    public = {n for n in dir(lambda_code) if n.isidentifier() and not n.startswith("_")}
    public -= {"testing"}  # a subpackage, imported explicitly
    assert set(lambda_code.__all__) == public | {"__version__"}
    assert lambda_code.__all__ == sorted(lambda_code.__all__, key=_isort_key)


def test_every_exported_name_resolves() -> None:
    """Each name in __all__ is importable from the package."""
    for name in lambda_code.__all__:
        assert getattr(lambda_code, name) is not None


def test_version_matches_installed_metadata() -> None:
    """__version__ is the installed distribution's version."""
    assert lambda_code.__version__ == version("lambda-code")


def test_testing_exports_are_sorted_and_resolve() -> None:
    """lambda_code.testing exports a sorted __all__ of real names."""
    assert lambda_code.testing.__all__ == sorted(lambda_code.testing.__all__, key=_isort_key)
    for name in lambda_code.testing.__all__:
        assert getattr(lambda_code.testing, name) is not None
