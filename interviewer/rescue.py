"""Where a candidate's answer goes when the database refuses it (a read-only file, a full disk): one
JSON line per answer in a rescue file per session, so nothing typed is lost. The rows are
`{"say": ...}` like a scripted round, so the file replays with
`python -m interviewer practice --resume SESSION_ID --answers-file FILE` once the database accepts
writes again."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_data_dir

from interviewer.db import StoreError

RESCUE_DIR_ENV = "INTERVIEWER_RESCUE_DIR"


class AnswerNotStored(StoreError):
    """The database refused the candidate's answer; `rescue_file` holds it (None: nowhere did)."""

    def __init__(self, message: str, rescue_file: Path | None) -> None:
        super().__init__(message)
        self.rescue_file = rescue_file


def rescue_dirs() -> list[Path]:
    """INTERVIEWER_RESCUE_DIR if set, then the user data folder, then the system temp folder: the
    database's own disk may be the full one."""
    configured = os.environ.get(RESCUE_DIR_ENV)
    dirs = [Path(configured).expanduser()] if configured else []
    dirs.append(Path(user_data_dir("mock-interviewer")) / "rescued-answers")
    dirs.append(Path(tempfile.gettempdir()) / "mock-interviewer-rescued-answers")
    return dirs


def rescue_answer(session_id: str, text: str, error: Exception) -> AnswerNotStored:
    """Append the answer to the first rescue file that takes it; the error to raise says where."""
    row = {"say": text, "session_id": session_id, "saved_at": datetime.now(UTC).isoformat(),
           "error": str(error)}
    line = json.dumps(row, ensure_ascii=False) + "\n"
    for folder in rescue_dirs():
        path = folder / f"{session_id}.jsonl"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as rescue:
                rescue.write(line)
                rescue.flush()
                os.fsync(rescue.fileno())
        except OSError:
            continue
        return AnswerNotStored(
            f"{error}. Your answer was not lost: it is saved in {path}. Once the database accepts "
            f"writes, `python -m interviewer practice --resume {session_id} --answers-file {path}` "
            "sends it again.",
            path,
        )
    return AnswerNotStored(
        f"{error}. Your answer could not be saved anywhere else either ({', '.join(map(str, rescue_dirs()))}); "
        "copy it before closing.",
        None,
    )
