"""SAF v2.0 (human-graded short answers, MIT) as drill cases, for measuring the offline scorer."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

SPLITS = ("training", "unseen_answers", "unseen_questions")


@dataclass(frozen=True)
class SafAnswer:
    question_id: str
    question: str
    reference: str
    response: str
    score: float
    max_score: float


def load_split(zip_path: Path, split: str) -> list[SafAnswer]:
    rows: list[SafAnswer] = []
    with zipfile.ZipFile(zip_path) as archive:
        for name in sorted(archive.namelist()):
            if f"/{split}/" not in name or not name.endswith(".xml"):
                continue
            root = ET.parse(io.BytesIO(archive.read(name))).getroot()
            question = (root.findtext("questionText") or "").strip()
            reference = " ".join(
                (r.text or "").strip() for r in root.iter("referenceAnswer") if r.text
            )
            answers = [
                ((a.findtext("response") or "").strip(), float(a.findtext("score") or 0))
                for a in root.iter("studentAnswer")
            ]
            top = max((s for _, s in answers), default=0.0) or 1.0
            rows.extend(
                SafAnswer(root.get("id", name), question, reference, text, score, top)
                for text, score in answers
            )
    return rows


def reference_key_points(reference: str) -> list[str]:
    """A reference answer as key points: its sentences, long ones cut at clause boundaries."""
    pieces = [p.strip() for p in re.split(r"(?<=[.!?])\s+|\n+|;\s*", reference) if p.strip()]
    points: list[str] = []
    for piece in pieces:
        if len(piece.split()) > 30:
            points.extend(c.strip() for c in re.split(r",\s+(?:because|since|so|but|and|which)\b", piece) if c.strip())
        else:
            points.append(piece)
    return [p for p in points if len(p.split()) >= 3] or [reference]
