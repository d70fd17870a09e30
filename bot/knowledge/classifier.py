"""A linear classifier over sentence embeddings: one class per passage, per decline topic, per intent.

Multinomial logistic regression trained with full-batch Adam in numpy at `kb build` time (a second or
two for ~1,000 bank questions), starting from zeros, so the same bank gives the same weights on every
machine. The weights live in the index cache, not in the repository: they follow the knowledge folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

L2 = 3e-5
"""Weak on purpose: the bank is clean, and a sharper classifier ranked neighbouring passages better."""
STEPS = 300
LEARNING_RATE = 0.5


@dataclass(frozen=True)
class LinearClassifier:
    labels: tuple[str, ...]
    weights: NDArray[np.float32]  # (dimensions, classes)
    bias: NDArray[np.float32]  # (classes,)

    def probabilities(self, vector: NDArray[np.float32]) -> NDArray[np.float64]:
        logits = vector.astype(np.float64) @ self.weights + self.bias
        logits -= logits.max()
        exp = np.exp(logits)
        result: NDArray[np.float64] = exp / exp.sum()
        return result


def train(
    vectors: NDArray[np.float32], labels: Sequence[str], *, l2: float = L2, steps: int = STEPS
) -> LinearClassifier:
    names = tuple(sorted(set(labels)))
    index = {name: i for i, name in enumerate(names)}
    target = np.zeros((len(labels), len(names)), dtype=np.float32)
    target[np.arange(len(labels)), [index[label] for label in labels]] = 1.0
    x = vectors.astype(np.float32)
    weights = np.zeros((x.shape[1], len(names)), dtype=np.float32)
    bias = np.zeros(len(names), dtype=np.float32)
    moments = [np.zeros_like(weights), np.zeros_like(bias)]
    squares = [np.zeros_like(weights), np.zeros_like(bias)]
    for step in range(1, steps + 1):
        logits = x @ weights + bias
        logits -= logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        error = (probabilities - target) / len(x)
        gradients = (x.T @ error + l2 * weights, error.sum(axis=0))
        for k, (parameter, gradient) in enumerate(zip((weights, bias), gradients, strict=True)):
            moments[k] = 0.9 * moments[k] + 0.1 * gradient
            squares[k] = 0.999 * squares[k] + 0.001 * gradient * gradient
            corrected = moments[k] / (1 - 0.9**step)
            parameter -= LEARNING_RATE * corrected / (np.sqrt(squares[k] / (1 - 0.999**step)) + 1e-8)
    return LinearClassifier(names, weights, bias)
