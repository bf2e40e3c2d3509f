"""STS data and pretrained models are found the same way from any folder (issue 42)."""

import pytest

from transenc import locations, model_store
from transenc.data.sts import default_data_dir
from transenc.errors import TransencError


@pytest.fixture
def nowhere(monkeypatch, tmp_path):
    """No environment variable, an empty per-user folder, a working directory elsewhere."""
    monkeypatch.delenv(locations.DATA_ENV_VAR, raising=False)
    monkeypatch.delenv(locations.MODELS_ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "home-data"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_environment_variable_wins(nowhere, monkeypatch):
    monkeypatch.setenv(locations.DATA_ENV_VAR, str(nowhere / "mine"))
    assert default_data_dir() == nowhere / "mine"
    monkeypatch.setenv(locations.MODELS_ENV_VAR, str(nowhere / "m"))
    assert model_store.models_dir() == nowhere / "m"


def test_the_per_user_folder_before_the_project(nowhere):
    (nowhere / "home-data" / "transenc" / "sts").mkdir(parents=True)
    assert default_data_dir() == nowhere / "home-data" / "transenc" / "sts"


def test_the_project_folder_from_any_working_directory(nowhere, monkeypatch):
    project = nowhere / "checkout"
    (project / "models").mkdir(parents=True)
    monkeypatch.setattr(locations, "project_root", lambda: project)
    assert model_store.models_dir() == project / "models"
    # nothing exists for the data: the project's data/sts is named (where to put it)
    assert default_data_dir() == project / "data" / "sts"
    (project.parent / "shared" / "data" / "sts").mkdir(parents=True)  # the Makefile's copy
    assert default_data_dir().resolve() == (nowhere / "shared" / "data" / "sts").resolve()


def test_a_known_model_missing_offline_names_the_command_that_fetches_it(nowhere, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # a checkout without models/ (this one may hold all-mpnet-base-v2 after make models)
    monkeypatch.setattr(locations, "project_root", lambda: nowhere / "checkout")
    with pytest.raises(TransencError, match="transenc fetch-model mpnet"):
        model_store.resolve_known("mpnet")
