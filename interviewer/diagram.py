"""The notes / diagram pad: Graphviz DOT is shown as a diagram; a simple Mermaid flowchart
(`graph TD` / `flowchart LR` with nodes and arrows) is translated to DOT; anything else is notes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_DOT = re.compile(r"^\s*(strict\s+)?(di)?graph\b[^{\n]*\{", re.IGNORECASE)
_MERMAID = re.compile(r"^\s*(graph|flowchart)\s+(TD|TB|BT|LR|RL)\b\s*;?", re.IGNORECASE)
_NODE = re.compile(
    r"\s*([A-Za-z0-9_]+)\s*(\[\[(.*?)\]\]|\(\((.*?)\)\)|\[(.*?)\]|\((.*?)\)|\{(.*?)\})?"
)
_ARROW = re.compile(r"\s*(-->|---|-\.->|==>|--\s*([^-|>]+?)\s*-->)\s*(?:\|([^|]*)\|)?")
# Attributes that make links or load files in the rendered SVG: a pad using them stays text.
_UNSAFE = re.compile(
    r"\b(url|href|target|image|imagepath|shapefile|fontpath|fontnames|stylesheet|id|class)\s*=",
    re.IGNORECASE,
)
_SHAPES = {"[": "box", "(": "box", "{": "diamond"}

Kind = Literal["dot", "mermaid", "text"]


@dataclass(frozen=True)
class Diagram:
    kind: Kind
    dot: str | None  # DOT source to draw, None for plain notes
    note: str = ""  # why a diagram-looking pad is shown as text


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def mermaid_to_dot(text: str) -> str | None:
    """DOT for a Mermaid flowchart of nodes and arrows; None when a line is not understood."""
    header = _MERMAID.match(text)
    if not header:
        return None
    rankdir = {"TD": "TB"}.get(header.group(2).upper(), header.group(2).upper())
    nodes: dict[str, tuple[str, str]] = {}
    edges: list[tuple[str, str, str]] = []
    body = text[header.end():]
    for raw in re.split(r"[;\n]", body):
        line = raw.strip()
        if not line or line.startswith("%%") or line.startswith(("classDef", "class ", "style ")):
            continue
        if line in ("end",) or line.startswith("subgraph"):
            continue
        position, previous = 0, None
        while position < len(line):
            node = _NODE.match(line, position)
            if not node or node.end() == position:
                return None
            name = node.group(1)
            label = next((g for g in node.groups()[2:] if g is not None), None)
            shape = "box"
            if node.group(2):
                shape = "ellipse" if node.group(2).startswith("((") else _SHAPES[node.group(2)[0]]
            if label is not None or name not in nodes:
                nodes[name] = ((label or name).strip().strip('"'), shape)
            if previous is not None:
                edges.append((previous[0], name, previous[1]))
            position = node.end()
            if position >= len(line):
                break
            arrow = _ARROW.match(line, position)
            if not arrow:
                return None
            previous = (name, (arrow.group(3) or arrow.group(2) or "").strip())
            position = arrow.end()
    lines = ["digraph {", f"  rankdir={rankdir};", "  node [shape=box];"]
    lines += [f"  {_quote(n)} [label={_quote(label)}, shape={shape}];" for n, (label, shape) in nodes.items()]
    for a, b, label in edges:
        lines.append(f"  {_quote(a)} -> {_quote(b)}" + (f" [label={_quote(label)}];" if label else ";"))
    lines.append("}")
    return "\n".join(lines)


def read_pad(text: str) -> Diagram:
    if _DOT.match(text) and text.rstrip().endswith("}"):
        if _UNSAFE.search(text):
            return Diagram("text", None, "Links, images and ids are not drawn; shown as text.")
        return Diagram("dot", text)
    converted = mermaid_to_dot(text)
    if converted is not None:
        return Diagram("mermaid", converted)
    return Diagram("text", None)
