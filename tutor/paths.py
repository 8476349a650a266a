"""Provides every on-disk location torch-tutor uses, in one place.

All user folders come from platformdirs. ``TORCH_TUTOR_HOME`` relocates all of them
under one folder (for tests and portable use).
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "torch-tutor"
HOME_ENV = "TORCH_TUTOR_HOME"
LESSONS_ENV = "TORCH_TUTOR_LESSONS"


def _home() -> Path | None:
    value = os.environ.get(HOME_ENV)
    return Path(value).expanduser() if value else None


def config_dir() -> Path:
    home = _home()
    if home:
        return home / "config"
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    home = _home()
    if home:
        return home / "data"
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def cache_dir() -> Path:
    home = _home()
    if home:
        return home / "cache"
    from platformdirs import user_cache_path

    return user_cache_path(APP_NAME, appauthor=False)


def progress_file() -> Path:
    return data_dir() / "progress.json"


def user_lessons_dir() -> Path:
    return config_dir() / "lessons"


def checkpoints_dir() -> Path:
    return data_dir() / "checkpoints"


def mnist_cache_dir() -> Path:
    return cache_dir() / "mnist"


def builtin_lessons_dir() -> Path:
    """The built-in lessons: tutor/builtin_lessons in the installed wheel (setup.py maps lessons/
    there), or lessons/ beside the package in a source checkout (editable installs included)."""
    here = Path(__file__).resolve().parent
    installed = here / "builtin_lessons"
    return installed if installed.is_dir() else here.parent / "lessons"


def env_lesson_dirs() -> list[Path]:
    value = os.environ.get(LESSONS_ENV, "")
    return [Path(p).expanduser() for p in value.split(os.pathsep) if p.strip()]
