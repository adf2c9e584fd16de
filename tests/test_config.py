from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from dedup.config import (
    DEFAULT_INCLUDE,
    FIELD_NAMES,
    Settings,
    build_settings,
    find_pyproject,
    load_pyproject,
    settings_from_mapping,
)
from dedup.errors import EXIT_USAGE, ConfigError


def test_defaults_are_valid() -> None:
    s = Settings()
    assert s.shingle_size == 5
    assert s.num_perm == 32
    assert s.window == 20
    assert s.include == DEFAULT_INCLUDE
    assert s.exclude == ()
    assert ConfigError("x").exit_code == EXIT_USAGE


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("shingle_size", 0, "--shingle-size must be between 1 and 50"),
        ("shingle_size", 51, "--shingle-size must be between 1 and 50"),
        ("num_perm", 15, "--num-perm must be between 16 and 1024"),
        ("num_perm", 1025, "--num-perm"),
        ("seed", -1, "--seed"),
        ("seed", 2**32, "--seed"),
        ("window", 3, "--window must be between 4"),
        ("overlap_words", 0, "--overlap-words"),
        ("boilerplate_docs", 1, "--boilerplate-docs"),
        ("max_bytes", 0, "--max-bytes"),
        ("jobs", -1, "--jobs"),
        ("jobs", 1025, "--jobs"),
        ("lsh_threshold", 0.0, "--lsh-threshold must be above 0 and at most 1"),
        ("lsh_threshold", 1.01, "--lsh-threshold"),
        ("near_duplicate", -0.5, "--near-duplicate"),
        ("contained", 2, "--contained"),
        ("overlap_share", math.nan, "--overlap-share"),
        ("boilerplate_share", math.inf, "--boilerplate-share"),
    ],
)
def test_out_of_range_values(field: str, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings(**{field: value})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("shingle_size", "5"),
        ("shingle_size", 5.0),
        ("shingle_size", True),
        ("num_perm", None),
        ("jobs", False),
        ("window", [30]),
    ],
)
def test_wrong_type_for_whole_numbers(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match="must be a whole number"):
        Settings(**{field: value})


@pytest.mark.parametrize(
    ("field", "value"), [("near_duplicate", "0.8"), ("contained", True), ("lsh_threshold", None)]
)
def test_wrong_type_for_fractions(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match="must be a number"):
        Settings(**{field: value})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("include", ["*.txt"]),
        ("include", "*.txt"),
        ("include", ("*.txt", "")),
        ("exclude", ("drafts", 3)),
        ("exclude", None),
    ],
)
def test_wrong_type_for_patterns(field: str, value: object) -> None:
    with pytest.raises(ConfigError, match="must be a list of glob patterns"):
        Settings(**{field: value})


def test_boundaries_accepted() -> None:
    s = Settings(
        shingle_size=1,
        num_perm=16,
        seed=2**32 - 1,
        window=4,
        near_duplicate=1,
        contained=1.0,
        lsh_threshold=0.5,
        overlap_share=1e-9,
        jobs=0,
        include=(),
        exclude=("drafts",),
    )
    assert s.near_duplicate == 1
    assert s.include == ()


def test_window_must_hold_a_shingle() -> None:
    with pytest.raises(ConfigError, match="--window must be at least --shingle-size"):
        Settings(shingle_size=10, window=9)
    assert Settings(shingle_size=10, window=10).window == 10


def test_replace_validates_again() -> None:
    s = Settings()
    assert s.replace(window=50).window == 50
    assert s.window == 20
    with pytest.raises(ConfigError):
        s.replace(window=2)


def test_as_dict_is_json_ready_and_leaves_out_jobs() -> None:
    d = Settings(exclude=("x",), jobs=4).as_dict()
    assert list(d) == [
        "shingle_size",
        "num_perm",
        "seed",
        "window",
        "lsh_threshold",
        "near_duplicate",
        "contained",
        "overlap_words",
        "specific_words",
        "overlap_share",
        "common_docs",
        "boilerplate_docs",
        "boilerplate_share",
        "include",
        "exclude",
        "max_bytes",
        "text_field",
        "id_field",
        "record_format",
    ]
    assert d["exclude"] == ["x"]
    assert d["include"] == list(DEFAULT_INCLUDE)
    # Results do not depend on the number of processes or on where the hook keeps its files.
    assert set(d) == FIELD_NAMES - {"jobs", "corpus", "baseline", "index", "fail_on", "fail_on_new"}
    assert Settings(jobs=1).as_dict() == Settings(jobs=8).as_dict()


def test_effective_jobs(monkeypatch: pytest.MonkeyPatch) -> None:
    import dedup.config

    monkeypatch.setattr(dedup.config, "usable_cores", lambda: 2)
    assert Settings(jobs=3).effective_jobs() == 3
    assert Settings(jobs=0).effective_jobs() == 2
    assert Settings(jobs=64).effective_jobs() == 4  # at most two per core
    assert Settings(jobs=3).effective_jobs(tasks=2) == 2  # no more than the pieces of work


# datasketch's MinHashLSH refuses parameters that leave fewer than 2 bands. These once passed
# validation and crashed the scan with a ValueError traceback (exit code 1, the "pairs found" code).
@pytest.mark.parametrize(("threshold", "num_perm"), [(0.99, 128), (1.0, 128), (0.9, 16)])
def test_lsh_threshold_unusable_with_num_perm_is_a_config_error(threshold: float, num_perm: int) -> None:
    from dedup.candidates import lsh_params

    # Reported as a ConfigError, by the settings or by the LSH layer, never a bare ValueError.
    with pytest.raises(ConfigError, match="lsh-threshold"):
        settings = Settings(lsh_threshold=threshold, num_perm=num_perm)
        lsh_params(settings.lsh_threshold, settings.num_perm)


# ---- [tool.dedup] mappings ---------------------------------------------------------------------


def test_settings_from_mapping_dashes_and_underscores() -> None:
    out = settings_from_mapping(
        {"shingle-size": 7, "num_perm": 64, "near-duplicate": 0.9, "max_bytes": 1000}, "cfg"
    )
    assert out == {"shingle_size": 7, "num_perm": 64, "near_duplicate": 0.9, "max_bytes": 1000}


def test_settings_from_mapping_patterns_become_tuples() -> None:
    out = settings_from_mapping({"include": ["*.txt", "*.md"], "exclude": "drafts"}, "cfg")
    assert out == {"include": ("*.txt", "*.md"), "exclude": ("drafts",)}
    with pytest.raises(ConfigError, match="cfg: include must be a list of glob patterns"):
        settings_from_mapping({"include": 3}, "cfg")


def test_settings_from_mapping_rejects_unknown_keys() -> None:
    with pytest.raises(ConfigError, match=r"my/pyproject.toml: unknown key 'shingles'") as info:
        settings_from_mapping({"shingles": 5}, "my/pyproject.toml")
    assert "shingle-size" in str(info.value)  # the known keys are listed
    with pytest.raises(ConfigError, match="unknown key"):
        settings_from_mapping({"shingle size": 5}, "cfg")


def test_settings_from_mapping_leaves_value_checks_to_settings() -> None:
    out = settings_from_mapping({"window": "thirty"}, "cfg")
    with pytest.raises(ConfigError, match="--window must be a whole number"):
        build_settings(out, {})


def _pyproject(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_pyproject_reads_tool_dedup(tmp_path: Path) -> None:
    path = _pyproject(
        tmp_path,
        """
[project]
name = "corpus"

[tool.ruff]
line-length = 100

[tool.dedup]
shingle-size = 6
near_duplicate = 0.9
exclude = ["drafts", "*.bak"]
""",
    )
    config = load_pyproject(path)
    assert config == {"shingle_size": 6, "near_duplicate": 0.9, "exclude": ("drafts", "*.bak")}
    settings = build_settings(config, {})
    assert settings.shingle_size == 6
    assert settings.exclude == ("drafts", "*.bak")


def test_load_pyproject_without_table(tmp_path: Path) -> None:
    assert load_pyproject(_pyproject(tmp_path, '[project]\nname = "x"\n')) == {}
    assert load_pyproject(_pyproject(tmp_path / "empty", "")) == {}


def test_load_pyproject_bad_toml(tmp_path: Path) -> None:
    path = _pyproject(tmp_path, "[tool.dedup]\nshingle-size = = 5\n")
    with pytest.raises(ConfigError, match="cannot read configuration"):
        load_pyproject(path)


def test_load_pyproject_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(b'[project]\nname = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="cannot read configuration"):
        load_pyproject(path)


def test_load_pyproject_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read configuration"):
        load_pyproject(tmp_path / "nope" / "pyproject.toml")


def test_load_pyproject_dedup_not_a_table(tmp_path: Path) -> None:
    path = _pyproject(tmp_path, "[tool]\ndedup = 5\n")
    with pytest.raises(ConfigError, match=r"\[tool.dedup\] must be a table"):
        load_pyproject(path)


def test_load_pyproject_tool_not_a_table(tmp_path: Path) -> None:
    path = _pyproject(tmp_path, 'tool = "x"\n')
    with pytest.raises(ConfigError, match="must be a table"):
        load_pyproject(path)


def test_load_pyproject_unknown_key_names_file(tmp_path: Path) -> None:
    path = _pyproject(tmp_path, "[tool.dedup]\nwindows = 40\n")
    with pytest.raises(ConfigError, match="unknown key 'windows'") as info:
        load_pyproject(path)
    assert str(path) in str(info.value)


def test_find_pyproject_walks_upward(tmp_path: Path) -> None:
    top = _pyproject(tmp_path / "project", "")
    deep = tmp_path / "project" / "a" / "b" / "c"
    deep.mkdir(parents=True)
    assert find_pyproject(deep) == top
    assert find_pyproject(tmp_path / "project") == top
    nearer = _pyproject(tmp_path / "project" / "a", "")
    assert find_pyproject(deep) == nearer


def test_find_pyproject_ignores_folders_of_that_name(tmp_path: Path) -> None:
    top = _pyproject(tmp_path / "project", "")
    (tmp_path / "project" / "sub" / "pyproject.toml").mkdir(parents=True)
    assert find_pyproject(tmp_path / "project" / "sub") == top


def test_build_settings_overrides_win() -> None:
    config: dict[str, Any] = {"shingle_size": 6, "window": 40, "exclude": ("a",)}
    s = build_settings(config, {"window": 50, "exclude": ("b",)})
    assert (s.shingle_size, s.window, s.exclude) == (6, 50, ("b",))


def test_build_settings_none_overrides_ignored() -> None:
    s = build_settings({"window": 40, "near_duplicate": 0.9}, {"window": None, "near_duplicate": None})
    assert s.window == 40
    assert s.near_duplicate == 0.9
    assert build_settings({}, {"window": None}).window == Settings().window


def test_build_settings_validates_the_merge() -> None:
    with pytest.raises(ConfigError, match="--window must be at least --shingle-size"):
        build_settings({"shingle_size": 20}, {"window": 10})
    with pytest.raises(ConfigError, match="--near-duplicate"):
        build_settings({}, {"near_duplicate": 1.5})


def test_build_settings_unknown_field_is_config_error() -> None:
    with pytest.raises(ConfigError, match="bogus"):
        build_settings({}, {"bogus": 1})


def test_a_key_given_with_dashes_and_with_underscores_is_an_error() -> None:
    with pytest.raises(ConfigError, match="'shingle-size' is given twice"):
        settings_from_mapping({"shingle_size": 4, "shingle-size": 6}, "pyproject.toml")


def test_config_paths_are_read_from_the_pyproject_folder(tmp_path: Path) -> None:
    from dedup.config import paths_from_folder

    values = {"corpus": ("articles", "/abs/notes"), "baseline": "accepted.json", "shingle_size": 5}
    sub = tmp_path / "docs" / "deep"
    sub.mkdir(parents=True)
    assert paths_from_folder(values, tmp_path, sub) == {
        "corpus": ("../../articles", "/abs/notes"),
        "baseline": "../../accepted.json",
        "shingle_size": 5,
    }
    assert paths_from_folder(values, tmp_path, tmp_path) == values


def test_the_hook_and_baseline_work_from_a_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from click.testing import CliRunner
    from conftest import SAMPLES

    from dedup.cli import cli

    (tmp_path / "pyproject.toml").write_text(
        '[tool.dedup]\ncorpus = ["articles"]\nbaseline = "accepted.json"\n', encoding="utf-8"
    )
    (tmp_path / "articles").mkdir()
    shutil.copy(SAMPLES / "iran-russia-pact_original.txt", tmp_path / "articles" / "original.txt")
    (tmp_path / "sub").mkdir()
    shutil.copy(SAMPLES / "iran-russia-pact_reprint.txt", tmp_path / "sub" / "reprint.txt")
    monkeypatch.chdir(tmp_path / "sub")
    runner = CliRunner()
    done = runner.invoke(cli, ["hook", "reprint.txt"])
    assert done.exit_code == 1, done.output
    assert "reprint.txt duplicates ../articles/original.txt" in " ".join(done.stdout.split())
    assert runner.invoke(cli, ["baseline", "../articles", "."]).exit_code == 0
    assert (tmp_path / "accepted.json").is_file() and not (tmp_path / "sub" / "accepted.json").exists()
    assert (tmp_path / ".dedup").is_dir() and not (tmp_path / "sub" / ".dedup").exists()
    assert runner.invoke(cli, ["hook", "reprint.txt"]).exit_code == 0
