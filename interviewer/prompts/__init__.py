"""Jinja2 templates for prompts and reports: StrictUndefined, rendered from typed models.

The candidate's words are only ever passed in as values, never compiled as template source, so
`{{ }}` or `{% %}` typed by a candidate stays literal text.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        # Markdown and plain prompts are never HTML; the one HTML report escapes every value.
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["quote_md"] = quote_markdown
    env.filters["minutes"] = lambda seconds: f"{seconds / 60:.1f} min"
    return env


def quote_markdown(text: str) -> str:
    """Candidate text as an inert Markdown block quote: no HTML, links, headings or emphasis take
    effect."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("[", "\\[")
        .replace("]", "\\]")
        .replace("`", "\\`")
        .replace("#", "\\#")
        .replace("*", "\\*")
        .replace("_", "\\_")
        .replace("~", "\\~")
    )
    lines = [_inert_line(line) for line in escaped.splitlines()]
    return "\n".join(f"> {line}" if line else ">" for line in lines) or ">"


def _inert_line(line: str) -> str:
    """Escape what makes a line structural: a setext underline, list or quote marker, rule."""
    stripped = line.lstrip()
    if stripped[:1] in ("=", "-", "+", "*", "_", "|") or stripped[:1].isdigit():
        indent = line[: len(line) - len(stripped)]
        return f"{indent}\\{stripped}" if not stripped[:1].isdigit() else line.replace(".", "\\.", 1)
    return line


def render(name: str, **values: Any) -> str:
    return environment().get_template(name).render(**values)
