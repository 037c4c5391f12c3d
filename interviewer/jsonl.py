"""JSON Lines input with errors that name the file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class JsonlError(ValueError):
    pass


def read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise JsonlError(f"{path}: not UTF-8 text (byte {error.start})") from error
    except OSError as error:
        raise JsonlError(f"{path}: cannot read: {error.strerror}") from error
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise JsonlError(f"{path}:{number}: not valid JSON ({error.msg})") from error
        if not isinstance(row, dict):
            raise JsonlError(f"{path}:{number}: each line must be a JSON object")
        rows.append((number, row))
    return rows
