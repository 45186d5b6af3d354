"""Partial radial distribution functions of 2D binary configurations (book chapter 03).

g_ab(r) counts the b particles at distance r from an a particle, relative to an ideal gas of the
same density: periodic minimum-image distances from scipy's periodic KD-tree, no O(N²) loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from glasslib.system import TYPE_A, TYPE_B

PAIRS = ("AA", "AB", "BB")


@dataclass(frozen=True)
class RDF:
    """Partial radial distribution functions on common bins.

    Attributes
    ----------
    r : (n_bins,) bin centres, σ.
    g : dict ``"AA" | "AB" | "BB"`` -> (n_bins,) g(r), dimensionless.
    """

    r: np.ndarray
    g: dict[str, np.ndarray]

    def first_peak(self, pair: str) -> tuple[float, float]:
        """Position (σ) and height of the highest maximum of g_pair."""
        index = int(np.argmax(self.g[pair]))
        return float(self.r[index]), float(self.g[pair][index])


def partial_rdf(positions: np.ndarray, types: np.ndarray, box_length: float, r_max: float = 10.0, n_bins: int = 400) -> RDF:
    """g_AA, g_AB, g_BB of one periodic configuration.

    Parameters
    ----------
    positions : (N, 2) unscaled positions, σ (wrapped into the box here).
    types : (N,) LAMMPS types, 1 = A and 2 = B.
    box_length : side of the square periodic box, σ.
    r_max : cut-off, σ; at most half the box (minimum image).
    n_bins : number of bins on [0, r_max].

    Returns
    -------
    RDF
        g is NaN for a pair type that has no pairs (e.g. g_BB with fewer than two B particles).

    Raises
    ------
    ValueError
        ``r_max`` beyond half the box, or non-finite positions.
    """
    if r_max > box_length / 2:
        raise ValueError(f"r_max = {r_max} exceeds half the box ({box_length / 2:.3f} σ); minimum images would be wrong")
    positions = np.mod(np.asarray(positions, dtype=float), box_length)
    if not np.all(np.isfinite(positions)):
        raise ValueError("positions must be finite")
    positions[positions >= box_length] = 0.0  # mod can round up to exactly box_length
    types = np.asarray(types, dtype=np.int64)  # stored types are int8: widen before index arithmetic
    pairs = cKDTree(positions, boxsize=box_length).query_pairs(r_max, output_type="ndarray")
    delta = positions[pairs[:, 0]] - positions[pairs[:, 1]]
    delta -= box_length * np.round(delta / box_length)
    distance = np.hypot(delta[:, 0], delta[:, 1])
    code = types[pairs[:, 0]] + types[pairs[:, 1]] - 2 * TYPE_A  # 0 AA, 1 AB, 2 BB
    edges = np.linspace(0.0, r_max, n_bins + 1)
    bins = np.minimum((distance / r_max * n_bins).astype(np.int64), n_bins - 1)
    counts = np.bincount(code * n_bins + bins, minlength=3 * n_bins).reshape(3, n_bins)
    n_a, n_b = int((types == TYPE_A).sum()), int((types == TYPE_B).sum())
    shell = np.pi * np.diff(edges**2) / box_length**2
    expected = {"AA": n_a * (n_a - 1) / 2 * shell, "AB": n_a * n_b * shell, "BB": n_b * (n_b - 1) / 2 * shell}
    with np.errstate(invalid="ignore", divide="ignore"):  # a type with < 2 particles has no pairs: NaN
        g = {pair: counts[k] / expected[pair] for k, pair in enumerate(PAIRS)}
    return RDF(0.5 * (edges[1:] + edges[:-1]), g)


def mean_rdf(configurations: np.ndarray, types: np.ndarray, box_length: float, r_max: float = 10.0, n_bins: int = 400) -> RDF:
    """Average of :func:`partial_rdf` over configurations (M, N, 2) sharing ``types`` (N,)."""
    each = [partial_rdf(c, types, box_length, r_max, n_bins) for c in configurations]
    return RDF(each[0].r, {pair: np.mean([e.g[pair] for e in each], axis=0) for pair in PAIRS})


def class_rdfs(datasets: Mapping[int, Any], numbers: Sequence[int], r_max: float) -> dict[int, dict[str, RDF]]:
    """Mean RDFs of the liquids and of the glasses of data sets ``numbers`` (chapter 03's SI-style figure).

    ``datasets`` maps a data set number to its :class:`~glasslib.data.datasets.Dataset` (scaled positions).
    """
    from glasslib.data.datasets import GLASS, LIQUID

    out = {}
    for number in numbers:
        data = datasets[number]
        out[number] = {
            name: mean_rdf(data.positions[data.labels == label] * data.box_length, data.types, data.box_length, r_max=r_max)
            for name, label in (("liquid", LIQUID), ("glass", GLASS))
        }
    return out


def peak_table(rdfs: Mapping[int, Mapping[str, RDF]]) -> pd.DataFrame:
    """First-peak heights of liquids and glasses and the glass peak's position, per data set and pair."""
    rows = [
        {
            "data set": n,
            "pair": pair,
            **{f"{c} peak height": round(rdfs[n][c].first_peak(pair)[1], 2) for c in ("liquid", "glass")},
            "peak r [σ]": round(rdfs[n]["glass"].first_peak(pair)[0], 2),
        }
        for n in rdfs
        for pair in PAIRS
    ]
    return pd.DataFrame(rows).set_index(["data set", "pair"])


def glass_liquid_peak_ratio(rdfs: Mapping[str, RDF], pair: str = "AB") -> float:
    """Height of the glasses' first ``pair`` peak over the liquids'."""
    return rdfs["glass"].first_peak(pair)[1] / rdfs["liquid"].first_peak(pair)[1]
