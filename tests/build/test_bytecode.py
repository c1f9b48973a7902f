"""What `sam build` ships carries bytecode Lambda can use, and Lambda's imports use it.

/var/task and /opt are read-only in Lambda and SAM zips every file with a 1980 timestamp: only hash-based bytecode
(PEP 552) of the runtime's Python is used there; anything else is compiled again at every cold start. These tests
read `make sam-build`'s output (.aws-sam/build; `make test` builds before pytest) and fail on a missing or stale
build rather than skip.
"""

import importlib.util
import shutil
import struct
import sys
from pathlib import Path

import pytest

from devstack.template import load_template
from scripts.bench_artifact import (
    IMPORT_ENVIRONMENT,
    LAYER_ID,
    SAM_BUILD,
    ArtifactTree,
    built_functions,
    lay_out,
    run_probe,
    thaw,
)

FUNCTIONS = built_functions(load_template())
HASH_BASED = 0b01
CHECK_SOURCE = 0b10


def built_roots() -> list[Path]:
    return [SAM_BUILD / LAYER_ID / "python", *(SAM_BUILD / logical_id for logical_id in FUNCTIONS)]


def bytecode_problem(source: Path) -> str | None:
    """Why `source` would be compiled at import in Lambda, or None when its bytecode is used as is."""
    cached = Path(importlib.util.cache_from_source(str(source)))
    if not cached.is_file():
        return "no bytecode"
    header = cached.read_bytes()[:16]
    magic, (flags,) = header[:4], struct.unpack("<I", header[4:8])
    if magic != importlib.util.MAGIC_NUMBER:
        return f"bytecode of another Python (magic {magic.hex()})"
    if not flags & HASH_BASED:
        return "timestamp-validated bytecode (stale under the zip's 1980 times)"
    if header[8:16] != importlib.util.source_hash(source.read_bytes()):
        return "bytecode of another version of the source"
    return None


@pytest.fixture(scope="module")
def artifact(tmp_path_factory: pytest.TempPathFactory) -> ArtifactTree:
    root = tmp_path_factory.mktemp("artifact") / "tree"
    tree = lay_out(root, FUNCTIONS)
    yield tree
    thaw(root)


def test_given_sam_build_then_every_source_of_the_layer_and_functions_has_hash_based_bytecode_of_python_313() -> None:
    sources = [source for root in built_roots() for source in root.rglob("*.py")]
    problems = {str(source.relative_to(SAM_BUILD)): bytecode_problem(source) for source in sources}
    assert len(sources) > 1000  # the layer's dependencies and `shop`, not an empty build
    assert {source: problem for source, problem in problems.items() if problem} == {}
    assert sys.version_info[:2] == (3, 13)  # so MAGIC_NUMBER above is the runtime's (python3.13)


def test_given_a_source_without_bytecode_when_checked_then_named(tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text("VALUE = 1\n")
    assert bytecode_problem(source) == "no bytecode"
    import py_compile

    py_compile.compile(str(source), invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
    assert bytecode_problem(source) == "timestamp-validated bytecode (stale under the zip's 1980 times)"
    py_compile.compile(str(source), invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    assert bytecode_problem(source) is None
    source.write_text("VALUE = 2\n")
    assert bytecode_problem(source) == "bytecode of another version of the source"


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_given_the_artifact_read_only_with_1980_times_when_the_handler_is_imported_then_nothing_compiles_from_source(
    artifact: ArtifactTree, logical_id: str
) -> None:
    result = run_probe(artifact, logical_id, watch_compiles=True, environment=IMPORT_ENVIRONMENT)
    assert result.report["compiled"] == []
    assert result.report["loaded_bytecode"] > 50  # the watch saw the handler's and the layer's imports


def test_given_the_artifact_without_one_modules_bytecode_when_imported_then_the_compile_is_reported(
    tmp_path: Path,
) -> None:
    logical_id = "HealthFunction"
    root = tmp_path / "tree"
    tree = lay_out(root, {logical_id: FUNCTIONS[logical_id]})
    thaw(root)
    shutil.rmtree(tree.task_root(logical_id) / "__pycache__")
    result = run_probe(tree, logical_id, watch_compiles=True, environment=IMPORT_ENVIRONMENT)
    assert result.report["compiled"] == [str(tree.task_root(logical_id) / "app.py")]
