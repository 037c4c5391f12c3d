"""Safe arithmetic for the `estimates` a case declares: numbers, + - * / // % **, parentheses and a
few functions, evaluated from the parsed syntax tree (never `eval`)."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable

MAX_POWER = 64
MAX_LENGTH = 500

_BINARY: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_FUNCTIONS: dict[str, Callable[..., float]] = {
    "min": min,
    "max": max,
    "round": round,
    "abs": abs,
    "sqrt": math.sqrt,
    "log": math.log,
    "exp": math.exp,
    "ceil": math.ceil,
    "floor": math.floor,
}


class ExpressionError(ValueError):
    """The expression is not safe arithmetic, or cannot be computed."""


def evaluate(expression: str) -> float:
    """The value of `expression`; underscores in numbers (1_000) and commas between digits are not
    allowed, to keep 1,000 from reading as a tuple."""
    if len(expression) > MAX_LENGTH:
        raise ExpressionError(f"longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"not arithmetic ({error.msg})") from None
    try:
        return float(_value(tree.body))
    except ZeroDivisionError:
        raise ExpressionError("division by zero") from None
    except (OverflowError, ValueError) as error:
        raise ExpressionError(str(error)) from None


def _value(node: ast.expr) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _value(node.operand)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _value(node.left), _value(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_POWER:
            raise ExpressionError(f"exponent {right:g} is larger than {MAX_POWER}")
        return _BINARY[type(node.op)](left, right)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _FUNCTIONS
        and not node.keywords
    ):
        return float(_FUNCTIONS[node.func.id](*(_value(a) for a in node.args)))
    raise ExpressionError(f"{ast.unparse(node)!r} is not allowed (numbers, + - * / ** and "
                           f"{', '.join(sorted(_FUNCTIONS))} only)")
