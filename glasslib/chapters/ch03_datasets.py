"""Chapter 03's six data sets: what its cells compute beside the library calls, and the numbers they glue
(notebooks/03_datasets.ipynb).

The chapter builds the data sets with :func:`glasslib.data.datasets.build_datasets` and shows their
energies, splits (:mod:`glasslib.data.splits`), memory of the start (:mod:`glasslib.data.start_memory`),
pair structure (:mod:`glasslib.data.rdf`), images (:mod:`glasslib.data.render`,
:mod:`glasslib.data.render_reference`) and graphs (:mod:`glasslib.data.graphs`). This module reads
Tg and the stored starts through :mod:`glasslib.simulation` and returns the numbers the prose quotes
(one ``*_numbers`` function per glue call, keys = glue names). Positions are scaled to the unit square.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from glasslib.data import graphs, render, render_reference, splits, start_memory
from glasslib.data.datasets import GLASS, LIQUID, Dataset
from glasslib.data.graph_batch import GraphBatch
from glasslib.data.inherent_inputs import read_inherent
from glasslib.data.quench import REARRANGED_DISTANCE, REARRANGED_TOLERANCE
from glasslib.data.rdf import RDF, glass_liquid_peak_ratio
from glasslib.data.splits import DatasetError, Splits
from glasslib.profiles import Profile
from glasslib.rundir import product_hash
from glasslib.simulation import store, tg
from glasslib.structure.thermometer import thermometer

#: Largest radius of the pair distribution functions, σ (half the box where that is smaller).
RDF_MAX_RADIUS = 10.0
#: Neighbour counts k of the example window graphs.
GRAPH_KS = (1, 3)


def energy_numbers(profile: Profile, run_dir: Path, data: Mapping[int, Dataset], table: pd.DataFrame) -> dict[str, Any]:
    """Tg of the slow schedule (ε/k_B), data set 6's liquid temperature (ε/k_B) and energy gap against its
    spread (ε per particle), and data set 1's gap in standard deviations.

    ``data``: the six data sets by number; ``table``: :func:`glasslib.data.datasets.summary_table` of them.
    """
    glass6, liquid6 = data[6].class_energy(GLASS), data[6].class_energy(LIQUID)
    gap, spread = abs(glass6[0] - liquid6[0]), min(glass6[1], liquid6[1])
    return {
        "tg_slow": float(tg.load_tg(run_dir, profile)["slow"]["tg"]),
        "ds6_liquid_t": data[6].spec.liquid_temperature,
        "ds6_gap": gap,
        "ds6_std": spread,
        "ds6_within": "within" if gap < spread else "NOT within",
        "ds1_gap_std": float(table.loc[1, "gap / std"]),
    }


def shared_splits(data: Mapping[int, Dataset]) -> Splits:
    """The splits every data set holds; :class:`~glasslib.data.splits.DatasetError` if their inner roles differ."""
    first = next(iter(data.values())).splits
    differing = [number for number, d in data.items() if not np.array_equal(d.splits.inner, first.inner)]
    if differing:
        raise DatasetError(f"data sets {differing} hold other splits than the first: rerun notebooks/03_datasets.ipynb")
    return first


def split_numbers(profile: Profile, shared: Splits) -> dict[str, Any]:
    """The inner split as ``"80% / 10% / 10%"`` and the validation configurations of fold 0 (two per run)."""
    train, validation, test = profile.inner_split_fractions()
    return {
        "inner_split": f"{train:.0%} / {validation:.0%} / {test:.0%}",
        "n_validation": 2 * int((shared.inner[0] == splits.VALIDATION).sum()),
    }


def start_memory_tables(profile: Profile, run_dir: Path, data: Mapping[int, Dataset]) -> tuple[int, pd.DataFrame, pd.DataFrame]:
    """Cells per side of the composition field, and the memory tables of the overlap with the shared start
    and with each configuration's own run start (:func:`glasslib.data.start_memory.memory_table`)."""
    start = store.read_initial(run_dir, profile.simulation_hash())
    cells = start_memory.cells_for(start["box_length"])
    template = start["positions"] / start["box_length"]
    shared = {i: (start_memory.start_overlap(d.positions, d.types, template, cells), d.labels) for i, d in data.items()}
    own = {i: (start_memory.own_start_overlap(d, run_dir, profile.simulation_hash(), cells), d.labels) for i, d in data.items()}
    return cells, start_memory.memory_table(shared, cells, seed=profile.seed), start_memory.memory_table(own, cells, seed=profile.seed)


def liquid_ramp_time(profile: Profile, liquid_temperature: float) -> float:
    """Time into the slow ramp at which the thermostat target reaches ``liquid_temperature`` (ε/k_B), τ."""
    return profile.t_cool_slow * profile.timestep * (profile.t_start - liquid_temperature) / (profile.t_start - profile.t_end)


def memory_numbers(
    profile: Profile, data: Mapping[int, Dataset], cells: int, memory: pd.DataFrame, own_memory: pd.DataFrame
) -> dict[str, Any]:
    """The memory-of-the-start paragraph: cells per side, chance level of the overlap, data set 1's liquid
    temperature (ε/k_B) and time into the ramp (τ), both verdicts, how runs start, the fast ramp's length and the hold at ``t_start`` before every ramp (τ).

    ``memory``, ``own_memory``: :func:`start_memory_tables`' overlap tables with the shared and the own start.
    """
    liquid_t = data[1].spec.liquid_temperature
    return {
        "memory_cells": cells,
        "memory_chance": memory.attrs["chance"],
        "ds1_liquid_t": liquid_t,
        "ds1_liquid_tau": liquid_ramp_time(profile, liquid_t),
        "memory_differs": start_memory.memory_verdict(memory, "the shared start"),
        "memory_own": start_memory.memory_verdict(own_memory, "each configuration's own run start"),
        "memory_start": "one shared configuration" if profile.shared_start else "their own configurations",
        "fast_ramp_tau": profile.t_cool_fast * profile.timestep,
        "start_hold_tau": profile.protocol.equilibration_tau,
    }


def rdf_cutoff(dataset: Dataset) -> float:
    """Cut-off of the partial g(r): :data:`RDF_MAX_RADIUS` or half the box side if smaller, σ."""
    return min(RDF_MAX_RADIUS, 0.5 * dataset.box_length)


def rdf_numbers(r_max: float, rdfs: Mapping[int, Mapping[str, RDF]]) -> dict[str, Any]:
    """The cut-off (σ) and the glass / liquid ratio of the first g_AB peak in data sets 1 and 6.

    ``rdfs``: :func:`glasslib.data.rdf.class_rdfs` of data sets 1 and 6.
    """
    ratio = {n: glass_liquid_peak_ratio(rdfs[n], "AB") for n in (1, 6)}
    return {
        "rdf_cutoff": r_max,
        "peak_ratio_1": ratio[1],
        "peak_ratio_6": ratio[6],
        "peak_ratio_verdict": "smaller" if ratio[6] < ratio[1] else "not smaller",
    }


def example_indices(dataset: Dataset) -> dict[str, int]:
    """Index of the first liquid and of the first glass configuration of ``dataset``, by class name."""
    return {"liquid": int(np.flatnonzero(dataset.labels == LIQUID)[0]), "glass": int(np.flatnonzero(dataset.labels == GLASS)[0])}


def renderer_comparison(dataset: Dataset, examples: Mapping[str, int]) -> tuple[list[tuple[str, np.ndarray]], list[dict[str, float]]]:
    """Both renderers' images of each example configuration, and how well each pair agrees.

    Returns the panels (title, (H, W, 3) image), matplotlib then fast renderer per example, and one
    :func:`glasslib.data.render_reference.compare_images` result per example.
    """
    panels, agreement = [], []
    for name, index in examples.items():
        reference_image = render_reference.render_matplotlib(dataset.positions[index], dataset.types)
        fast_image = render.render_fast(dataset.positions[index], dataset.types)
        agreement.append(render_reference.compare_images(reference_image, fast_image))
        panels += [(f"{name}, matplotlib", reference_image), (f"{name}, fast renderer", fast_image)]
    return panels, agreement


def render_numbers(agreement: Sequence[Mapping[str, float]]) -> dict[str, float]:
    """Mean intersection-over-union of the non-white pixels and mean class-colour agreement of the examples."""
    return {
        "render_iou": float(np.mean([a["iou"] for a in agreement])),
        "render_colour": float(np.mean([a["colour_agreement"] for a in agreement])),
    }


def example_windows(profile: Profile, positions: np.ndarray, types: np.ndarray) -> tuple[dict[int, GraphBatch], tuple[float, float]]:
    """The window graph of one configuration ((N, 2) positions, (N,) types) for each k of :data:`GRAPH_KS`,
    and the window's corner; side ``graph_figure_l_win`` box lengths, drawn from the profile seed."""
    l_win = profile.graph_figure_l_win
    window = {k: graphs.window_graph(positions, types, l_win=l_win, k=k, rng=np.random.default_rng(profile.seed)) for k in GRAPH_KS}
    return window, graphs.sample_window(np.random.default_rng(profile.seed), l_win)


def graph_numbers(profile: Profile, window: Mapping[int, GraphBatch]) -> dict[str, Any]:
    """The window's side (box lengths), its particle count, and the connected pieces of its graph per k."""
    return {
        "graph_l_win": profile.graph_figure_l_win,
        "graph_nodes": window[1].n_nodes,
        **{f"graph_pieces_{k}": graphs.connected_pieces(g) for k, g in window.items()},
    }


def quench_table(profile: Profile, run_dir: Path, data: Mapping[int, Dataset]) -> pd.DataFrame:
    """Per data set and class: configurations quenched, flagged, FIRE iterations (median), rearranged share
    (mean), and the thermometer on both inputs (mean ± std)."""
    expected, rows = product_hash(profile, "datasets"), []
    for i, d in data.items():
        inputs = read_inherent(run_dir, i, expected)
        sigma = np.asarray(d.positions, float) * d.box_length
        warm = thermometer(sigma, d.types, d.box_length)
        cold = thermometer(np.asarray(inputs.positions, float) * d.box_length, d.types, d.box_length)
        for label, name in ((GLASS, "glass"), (LIQUID, "liquid")):
            mask = d.labels == label
            rows.append(
                {
                    "data set": i,
                    "class": name,
                    "T [ε/k_B]": d.spec.glass_temperature if label == GLASS else d.spec.liquid_temperature,
                    "quenched": int(mask.sum()),
                    "flagged": int((mask & ~inputs.usable).sum()),
                    "FIRE iterations (median)": int(np.median(inputs.records["iterations"][mask])),
                    "rearranged share (mean)": float(inputs.records["rearranged"][mask].mean()),
                    "thermometer, thermal": f"{warm[mask].mean():.4f} ± {warm[mask].std(ddof=1):.4f}",
                    "thermometer, inherent": f"{cold[mask].mean():.4f} ± {cold[mask].std(ddof=1):.4f}",
                }
            )
    return pd.DataFrame(rows).set_index(["data set", "class"])


#: A quenched energy farther than this from chapter 01's minimisation of the same snapshot (ε per particle) is
#: another minimum: the energy criterion there stopped early, and the two descents went different ways.
OTHER_MINIMUM = 1e-4


def quench_numbers(profile: Profile, run_dir: Path, data: Mapping[int, Dataset], table: pd.DataFrame) -> dict[str, Any]:
    """The quench paragraph: distinct configurations quenched and how many met the force criterion, flagged ones,
    the force tolerance (ε/σ), the rearrangement rule (σ, share), the largest rearranged share of a glass and of
    a liquid, the median and largest difference from the campaign's inherent-structure energies (ε per particle)
    and how many lie beyond :data:`OTHER_MINIMUM`."""
    expected = product_hash(profile, "datasets")
    inputs = {i: read_inherent(run_dir, i, expected) for i in data}
    keys = {(i, int(j)) for i, d in data.items() for j in range(len(d.labels))}
    gaps = np.concatenate([np.abs(inputs[i].records["energy"] - d.inherent_energy) for i, d in data.items()])
    glass = max(float(inputs[i].records["rearranged"][d.labels == GLASS].max()) for i, d in data.items())
    liquid = max(float(inputs[i].records["rearranged"][d.labels == LIQUID].max()) for i, d in data.items())
    converged = sum(int(inputs[i].converged.sum()) for i in data)
    return {
        "quench_configurations": len(keys),
        "quench_converged": converged,
        "quench_converged_pct": 100 * converged / len(keys),
        "quench_flagged": int(table["flagged"].sum()),
        "quench_ftol": profile.fire_ftol,
        "quench_maxiter": profile.is_fire_maxiter,
        "rearranged_distance": REARRANGED_DISTANCE,
        "rearranged_tolerance_pct": 100 * REARRANGED_TOLERANCE,
        "rearranged_glass_max_pct": 100 * glass,
        "rearranged_liquid_max_pct": 100 * liquid,
        "quench_energy_gap": float(gaps.max()),
        "quench_energy_gap_median": float(np.median(gaps)),
        "quench_other_minimum": int((gaps > OTHER_MINIMUM).sum()),
    }
