"""Which site engine builds a handbook: the configuration file found, MkDocs 2 detected from
its version, the choice between MkDocs 1.x and ProperDocs."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsbook.engine import (
    CONFIG_FILE_NAMES,
    Engine,
    EngineError,
    choose_engine,
    find_config_file,
    is_mkdocs_2,
    mkdocs_2_problem,
)

MKDOCS_2 = "2.0.dev6"


# --- choosing the engine (pure) --------------------------------------------------------------


def test_config_file_found_in_properdocs_order(tmp_path: Path) -> None:
    assert find_config_file(tmp_path) is None
    for name in reversed(CONFIG_FILE_NAMES):
        (tmp_path / name).write_text("site_name: x\n")
        assert find_config_file(tmp_path) == tmp_path / name
    (tmp_path / "mkdocs.yml").unlink()
    (tmp_path / "properdocs.yml").unlink()
    (tmp_path / "properdocs.yml").mkdir()  # a folder of that name is no config file
    assert find_config_file(tmp_path) == tmp_path / "properdocs.yaml"


@pytest.mark.parametrize(
    ("version", "expected"),
    [("1.6.1", False), ("1.5.3", False), ("2.0.dev6", True), ("2.0", True), ("10.1", True),
     ("dev", False)],
)
def test_mkdocs_2_detected_from_version(version: str, expected: bool) -> None:
    assert is_mkdocs_2(version) is expected


@pytest.mark.parametrize(
    ("config", "mkdocs", "properdocs", "expected"),
    [
        ("mkdocs.yml", "1.6.1", None, Engine("mkdocs", "1.6.1")),
        ("mkdocs.yml", "1.6.1", "1.6.7", Engine("mkdocs", "1.6.1")),
        ("properdocs.yml", "1.6.1", "1.6.7", Engine("properdocs", "1.6.7")),
        ("mkdocs.yml", None, "1.6.7", Engine("properdocs", "1.6.7")),
        ("mkdocs.yml", MKDOCS_2, "1.6.7", Engine("properdocs", "1.6.7")),
        # MkDocs 1.x reads the same format under the other name.
        ("properdocs.yml", "1.6.1", None, Engine("mkdocs", "1.6.1")),
        (None, "1.6.1", "1.6.7", Engine("mkdocs", "1.6.1")),
    ],
)
def test_engine_choice(
    config: str | None, mkdocs: str | None, properdocs: str | None, expected: Engine
) -> None:
    assert choose_engine(Path(config) if config else None, mkdocs, properdocs) == expected


def test_mkdocs_2_alone_is_refused_with_what_to_do() -> None:
    with pytest.raises(EngineError) as raised:
        choose_engine(Path("mkdocs.yml"), MKDOCS_2, None)
    message = str(raised.value)
    assert f"MkDocs {MKDOCS_2} is installed" in message
    assert "mkdocs>=1.6,<2" in message and "pip install properdocs" in message
    assert mkdocs_2_problem(MKDOCS_2, None) == message
    assert mkdocs_2_problem(MKDOCS_2, "1.6.7") is None  # ProperDocs builds it instead
    with pytest.raises(EngineError, match="no site engine is installed"):
        choose_engine(None, None, None)


def test_mkdocs_1_is_no_problem() -> None:
    assert mkdocs_2_problem("1.6.1", None) is None
    assert mkdocs_2_problem(None, "1.6.7") is None


