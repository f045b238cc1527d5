"""The public surface: exactly the names DESIGN.md promises, and the installed version."""

import ast
import re
import types
from importlib.metadata import version
from pathlib import Path

import pytest

import lambda_code
import lambda_code.models
import lambda_code.progress
import lambda_code.testing
from lambda_code import _enums, _models

#: What a user types: the client, the request and response, policies, deploy types, every
#: error, the main enums, the size limits.
TOP_LEVEL = {
    "AliasConfiguration",
    "AliasEvent",
    "AliasUpdate",
    "ResolvedEvent",
    "StagedEvent",
    "UploadProgressEvent",
    "__version__",
    "MAX_UNZIPPED_SIZE",
    "MAX_ZIP_SIZE",
    "DEFAULT_EXCLUDES",
    # Client, request, response, policies.
    "LambdaCodeClient",
    "UpdateFunctionCodeRequest",
    "FunctionConfiguration",
    "RetryPolicy",
    "WaitPolicy",
    "RateLimits",
    # Deploying.
    "DeployTarget",
    "DeployResult",
    "ZipPackage",
    "ZipProgress",
    "S3Location",
    "S3Staging",
    "ContainerImage",
    "DeployEvent",
    "ReadingEvent",
    "SkippedEvent",
    "UploadingEvent",
    "UpdatingEvent",
    "PolledEvent",
    "PublishedEvent",
    "DoneEvent",
    # Errors.
    "LambdaCodeError",
    "LambdaError",
    "CodeMismatchError",
    "CodeSigningConfigNotFoundException",
    "CodeStorageExceededException",
    "CodeVerificationFailedException",
    "InvalidCodeSignatureException",
    "InvalidParameterValueException",
    "PreconditionFailedException",
    "ResourceConflictException",
    "ResourceNotFoundException",
    "ServiceException",
    "TooManyRequestsException",
    "TransportError",
    "DeadlineExceededError",
    "RequestValidationError",
    "PackageError",
    "StagingError",
    "ImageResolutionError",
    "WaiterError",
    "UpdateFailedError",
    "UpdateSupersededError",
    "FunctionFailedError",
    "WaitTimeoutError",
    # The enums a caller compares against.
    "State",
    "LastUpdateStatus",
    "LastUpdateStatusReasonCode",
    "StateReasonCode",
    "PackageType",
    "Architecture",
    "Runtime",
}

#: The nested shapes of FunctionConfiguration and the enums of their members.
MODELS = {
    "AcceleratorConfig",
    "CapacityProviderConfig",
    "DeadLetterConfig",
    "DurableConfig",
    "EnvironmentResponse",
    "EnvironmentResponseError",
    "EphemeralStorage",
    "FileSystemConfig",
    "ImageConfig",
    "ImageConfigError",
    "ImageConfigResponse",
    "LambdaManagedInstancesCapacityProviderConfig",
    "Layer",
    "LoggingConfig",
    "RuntimeConfig",
    "RuntimeVersionConfig",
    "RuntimeVersionError",
    "S3FilesConfig",
    "SnapStart",
    "TenancyConfig",
    "TracingConfig",
    "VpcConfig",
    "ApplicationLogLevel",
    "DirectS3Read",
    "FunctionVersionLatestPublished",
    "LogFormat",
    "S3ObjectStorageMode",
    "SnapStartApplyOn",
    "SnapStartOptimizationStatus",
    "SystemLogLevel",
    "TenantIsolationMode",
    "TracingMode",
}

PUBLIC_MODULES = [lambda_code, lambda_code.models, lambda_code.progress, lambda_code.testing]
REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "reference.md"


def _isort_key(name: str) -> tuple[int, str]:
    # The order ruff keeps __all__ in: CONSTANTS, then Classes, then functions and dunders.
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def _public_names(module: types.ModuleType) -> set[str]:
    """Names a module defines or imports that are not private and not subpackages."""
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }


def test_top_level_all_is_exactly_what_a_user_types() -> None:
    """lambda_code.__all__ is the promised top-level list, nothing more or less."""
    assert set(lambda_code.__all__) == TOP_LEVEL
    assert len(lambda_code.__all__) == len(TOP_LEVEL)


def test_models_all_is_exactly_the_nested_shapes_and_other_enums() -> None:
    """lambda_code.models.__all__ is the promised list, nothing more or less."""
    assert set(lambda_code.models.__all__) == MODELS
    assert len(lambda_code.models.__all__) == len(MODELS)


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda m: m.__name__)
def test_all_is_sorted_and_lists_every_public_name(module: types.ModuleType) -> None:
    """Each public module's __all__ is sorted and names every public name it holds."""
    assert module.__all__ == sorted(module.__all__, key=_isort_key)
    assert set(module.__all__) - {"__version__"} == _public_names(module)


def test_progress_all_is_the_reporter_and_its_callback() -> None:
    """lambda_code.progress.__all__ is the promised list, nothing more or less."""
    assert lambda_code.progress.__all__ == ["Reporter", "SupportsZipProgress", "on_event"]


@pytest.mark.parametrize("module", PUBLIC_MODULES, ids=lambda m: m.__name__)
def test_every_exported_name_resolves(module: types.ModuleType) -> None:
    """Each name in __all__ is importable from its module."""
    for name in module.__all__:
        assert getattr(module, name) is not None


def test_every_model_and_enum_has_exactly_one_public_home() -> None:
    """Each model class and enum is exported by lambda_code or lambda_code.models, not both."""
    assert not TOP_LEVEL & MODELS
    for name in [*_models.__all__, *_enums.__all__]:
        homes = [m for m in (lambda_code, lambda_code.models) if name in m.__all__]
        assert len(homes) == 1, name
        source = _models if name in _models.__all__ else _enums
        assert getattr(homes[0], name) is getattr(source, name)


def test_moved_names_are_not_top_level() -> None:
    """Nested shapes are imported from lambda_code.models; lambda_code does not have them."""
    for name in MODELS:
        assert not hasattr(lambda_code, name), name


def _aio_all() -> list[str]:
    """lambda_code.aio's __all__, read from its source: importing it needs aiobotocore."""
    tree = ast.parse(Path(lambda_code.__file__).with_name("aio.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "__all__":
            names = ast.literal_eval(node.value)
            assert isinstance(names, list)
            return names
    raise AssertionError("lambda_code.aio has no __all__")


#: Every public module and its public names, each documented in docs/reference.md.
DOCUMENTED = {
    **{module.__name__: list(module.__all__) for module in PUBLIC_MODULES},
    "lambda_code.aio": _aio_all(),
}
# A line that renders one object under a heading of its own (mkdocstrings' show_root_heading).
_DIRECTIVE = re.compile(r"^::: (\S+)$", re.MULTILINE)


def _reference_sections() -> dict[str, str]:
    """Each object the reference renders, with the text up to the next object or section."""
    text = REFERENCE.read_text()
    parts = re.split(r"^(?=::: |## )", text, flags=re.MULTILINE)
    return {m[1]: part for part in parts if (m := _DIRECTIVE.match(part))}


@pytest.mark.parametrize("module", sorted(DOCUMENTED))
def test_every_public_name_has_a_heading_in_the_api_reference(module: str) -> None:
    """docs/reference.md renders each public name under its own heading, by its import path."""
    sections = _reference_sections()
    missing = [name for name in DOCUMENTED[module] if f"{module}.{name}" not in sections]
    assert not missing


def test_every_class_and_function_in_the_api_reference_has_an_example() -> None:
    """Each object the reference renders is followed by a Python example, constants aside."""
    without = [
        path
        for path, section in _reference_sections().items()
        if "```python" not in section
        and not (path.rpartition(".")[2].isupper() or path.endswith(".__version__"))
    ]
    assert not without


def test_the_api_reference_renders_only_public_names() -> None:
    """Every object the reference renders is a public name of a public module."""
    public = {f"{module}.{name}" for module, names in DOCUMENTED.items() for name in names}
    assert set(_reference_sections()) <= public


def test_version_matches_installed_metadata() -> None:
    """__version__ is the installed distribution's version."""
    assert lambda_code.__version__ == version("lambda-code")
