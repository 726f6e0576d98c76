"""How a simulated pSTAT3 score is drawn on each scoring system of the vocabulary.

A latent standard normal (correlated with log2 IL-6 as the population states) becomes a
score on the declared system; the systems are those of resources/vocab/marker_scales.yaml.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import ndtri

# How pSTAT3 is drawn on each scoring system of resources/vocab/marker_scales.yaml: a latent
# standard normal is mapped monotonically onto the scale, continuous scales by a clipped
# and rounded affine map, ordinal scales by normal quantiles of the stated probabilities.
PSTAT3_SCALES: dict[str, dict[str, Any]] = {
    "h_score": {"mean": 120.0, "sd": 70.0, "low": 0.0, "high": 300.0, "decimals": 0},
    "percent_positive": {"mean": 40.0, "sd": 28.0, "low": 0.0, "high": 100.0, "decimals": 0},
    "rppa_log2": {"mean": 0.0, "sd": 0.6, "low": -np.inf, "high": np.inf, "decimals": 4},
    "intensity": {"values": (0, 1, 2, 3), "probs": (0.2, 0.3, 0.3, 0.2)},
    "intensity_x_proportion": {
        "values": (0, 1, 2, 3, 4, 6, 8, 9, 12),
        "probs": (0.08, 0.07, 0.12, 0.13, 0.15, 0.17, 0.13, 0.08, 0.07),
    },
    "allred": {
        "values": (0, 2, 3, 4, 5, 6, 7, 8),
        "probs": (0.1, 0.06, 0.1, 0.14, 0.17, 0.17, 0.14, 0.12),
    },
    "binary": {"values": (0, 1), "probs": (0.5, 0.5)},
}


def pstat3_on_scale(latent: np.ndarray, scale: str) -> np.ndarray:
    """Map a latent standard normal monotonically onto a pSTAT3 scoring system.

    >>> pstat3_on_scale(np.array([-10.0, 0.0, 10.0]), "h_score").tolist()
    [0.0, 120.0, 300.0]
    >>> pstat3_on_scale(np.array([-3.0, 0.0, 3.0]), "intensity").tolist()
    [0.0, 1.0, 3.0]
    """
    model = PSTAT3_SCALES[scale]
    if "values" in model:
        cuts = ndtri(np.cumsum(model["probs"])[:-1])
        return np.asarray(model["values"], dtype=float)[np.searchsorted(cuts, latent)]
    value = np.clip(model["mean"] + model["sd"] * latent, model["low"], model["high"])
    return np.round(value, model["decimals"])
