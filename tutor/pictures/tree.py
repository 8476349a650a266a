"""Provides the autograd graph as a tree: rows to draw (text or widget) and node labels.

The graph is a DAG (``dot(x, x)`` reaches the leaf x twice), drawn as a tree from the root. A
node reached again is drawn again, but its inputs only the first time ("see above"), so a
shared subgraph is never repeated in full.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tutor.pictures.schema import Graph, Node


@dataclass(frozen=True)
class Row:
    """One row of the tree: the drawn prefix, the node, and whether it was drawn before."""

    prefix: str  # "├── ", "│   └── ", ...
    node: Node
    again: bool  # reached before: its inputs are not repeated


def shape_text(shape: list[int] | None) -> str:
    if shape is None:
        return "?"
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(n) for n in shape) + ")"


def node_label(node: Node) -> str:
    """``PowBackward0  (z.grad_fn)`` or ``AccumulateGrad  (leaf x: shape (3,), float64, requires_grad=True)``."""
    if node.leaf:
        facts = [f"shape {shape_text(node.shape)}"]
        if node.dtype:
            facts.append(node.dtype)
        if node.requires_grad is not None:
            facts.append(f"requires_grad={node.requires_grad}")
        who = f"leaf {node.var}" if node.var else "leaf"
        return f"{node.name}  ({who}: {', '.join(facts)})"
    return f"{node.name}  ({node.var}.grad_fn)" if node.var else node.name


def rows(graph: Graph) -> Iterator[Row]:
    """Depth-first rows from the root, inputs in ``next_functions`` order."""
    if graph.root is None:
        return
    by_id = {node.id: node for node in graph.nodes}
    drawn: set[int] = set()

    def visit(node_id: int, lead: str, branch: str) -> Iterator[Row]:
        node = by_id[node_id]
        again = node_id in drawn and bool(node.children)
        drawn.add(node_id)
        yield Row(lead + branch, node, again)
        if again:
            return
        inner = lead + ("" if not branch else "    " if branch.startswith("└") else "│   ")
        for k, child in enumerate(node.children):
            last = k == len(node.children) - 1
            yield from visit(child, inner, "└── " if last else "├── ")

    yield from visit(graph.root, "", "")


def tree_lines(graph: Graph) -> list[str]:
    """The tree as plain lines of text."""
    return [
        row.prefix + node_label(row.node) + ("  (inputs shown above)" if row.again else "")
        for row in rows(graph)
    ]


def counts(graph: Graph) -> tuple[int, int]:
    """(nodes, leaves)."""
    return len(graph.nodes), sum(node.leaf for node in graph.nodes)
