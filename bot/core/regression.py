"""Multinomial logistic regression over sentence vectors, in numpy: the learner of the safety
model (bot/core/safety_model.py) and of the FAQ's intent model (bot/core/intent_model.py).

Why hand-written: a class-balanced, L2-regularised fit with full-batch Adam is thirty lines, is
deterministic (same vectors, same weights, on every machine), and keeps scikit-learn and its
SciPy out of a bot that otherwise needs numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Recipe:
    l2: float = 3e-3
    steps: int = 400
    learning_rate: float = 0.05


@dataclass(frozen=True)
class Regression:
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # (dimensions + 1) x classes

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        return softmax(design(vectors, self.mean, self.scale) @ self.weights)


def design(vectors: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    standard = (vectors - mean) / scale
    return np.hstack([standard, np.ones((len(vectors), 1))])


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit(vectors: np.ndarray, labels: np.ndarray, classes: int, recipe: Recipe) -> Regression:
    """Class-balanced, L2, full-batch Adam; deterministic."""
    mean = vectors.mean(axis=0)
    scale = vectors.std(axis=0) + 1e-6
    x = design(vectors, mean, scale)
    n = len(labels)
    onehot = np.zeros((n, classes))
    onehot[np.arange(n), labels] = 1.0
    counts = np.maximum(onehot.sum(axis=0), 1.0)
    sample_weight = (n / (classes * counts))[labels][:, None]
    weights = np.zeros((x.shape[1], classes))
    m = np.zeros_like(weights)
    v = np.zeros_like(weights)
    for step in range(1, recipe.steps + 1):
        grad = x.T @ ((softmax(x @ weights) - onehot) * sample_weight) / n + recipe.l2 * weights
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad * grad
        m_hat, v_hat = m / (1 - 0.9**step), v / (1 - 0.999**step)
        weights -= recipe.learning_rate * m_hat / (np.sqrt(v_hat) + 1e-8)
    return Regression(mean, scale, weights)


def save(model: Regression, path: Path, key: str) -> None:
    """Atomically, with the key of what it was trained on (checked by `load`)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(
        tmp, key=np.array(key), mean=model.mean, scale=model.scale, weights=model.weights
    )
    tmp.replace(path)


def load(path: Path, key: str) -> Regression | None:
    """The model stored at path if it was trained on exactly what `key` names, else None."""
    try:
        with np.load(path) as data:
            if str(data["key"]) != key:
                return None
            return Regression(data["mean"], data["scale"], data["weights"])
    except (OSError, ValueError, KeyError):
        return None
