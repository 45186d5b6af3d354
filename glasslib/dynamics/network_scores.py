"""Chapter 09's networks scored against propensity: the equivariant and the plain graph network.

At every temperature both networks of :mod:`glasslib.dynamics.networks` learn the absolute and the
cage-relative propensity at every recorded time at once (2 T outputs per particle) from the
configurations' positions (``propensity_input``: thermal or inherent structure), in
``propensity_folds``-fold cross-validation over configurations
(:func:`glasslib.dynamics.networks.fit.cross_validated_predictions`): every configuration is scored by
a network that never saw it. The plain network trains on randomly rotated configurations; the
equivariant one needs no augmentation. Each fold stops early at the epoch whose ρ at the recorded
times nearest τ_α (of each displacement kind) is best on a validation configuration of its own
training part, and its training curves are kept (:mod:`glasslib.dynamics.networks.fit`). **Transfer:** the fold networks trained at one temperature,
averaged, predict every configuration of each other temperature. **Inputs:** every network is trained a
second time, with the same folds and seeds, on the other positions (thermal or inherent structure).

Scores are Pearson ρ per configuration over its A particles at every time, with bootstrap intervals
over configurations, in the layout of :func:`glasslib.chapters.ch09_dynamics.propensity_scores`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from glasslib.cluster import dask_client, run_tasks, training_slot
from glasslib.dynamics import propensity as prop
from glasslib.dynamics.at_times import nearest_columns, stored_curve
from glasslib.dynamics.learning_curve import learning_sizes, network_curve
from glasslib.dynamics.networks.fit import cross_validated_predictions, parameter_count, predict
from glasslib.dynamics.networks.graphs import RadiusGraph, radius_graph
from glasslib.profiles import Profile
from glasslib.simulation.isoconfigurational import IsoconfigurationalEnsemble
from glasslib.system import TYPE_A

#: Architecture of each network (similar parameter counts; :func:`parameter_count` reports them).
ARCHITECTURES: dict[str, dict[str, Any]] = {
    "equivariant": {"channels": 8, "max_order": 6, "layers": 3},
    "plain": {"hidden": 64, "layers": 3},
}
#: The network whose learning curve (ρ at τ_α against training configurations) the chapter measures, at the
#: lowest temperature only (the slowest liquid, where the comparison is hardest; one more training per fold and size).
LEARNING_NETWORK = "equivariant"
#: The positions a network can read, each with the other one: every network is also trained on the other, to compare.
OTHER_INPUT = {"thermal": "inherent", "inherent": "thermal"}
#: Which networks train on rotated copies of their configurations.
ROTATE = {"equivariant": False, "plain": True}


def graphs_of(ensembles: Sequence[IsoconfigurationalEnsemble], positions: str) -> list[RadiusGraph]:
    """One radius graph per configuration, from thermal or inherent-structure positions."""
    return [radius_graph([(e.positions(positions), e.types)], e.box_length) for e in ensembles]


def score_curves(predicted: np.ndarray, measured: np.ndarray, mask: np.ndarray, kinds: Sequence[str], seed: int) -> dict[str, Any]:
    """ρ(t) with intervals and per-configuration values per kind, from stacked (C, len(kinds) · T, N) predictions and measurements."""
    times = measured.shape[1] // len(kinds)
    return {
        kind: stored_curve(
            prop.correlation_over_time(predicted[:, k * times : (k + 1) * times], measured[:, k * times : (k + 1) * times], mask), seed
        )
        for k, kind in enumerate(kinds)
    }


#: The displacement kind of the stored example map (configuration 0 at the recorded time nearest τ_α).
EXAMPLE_KIND = "cage-relative"


def example(predicted: np.ndarray, measured: np.ndarray, column: int, kinds: Sequence[str], kind: str) -> dict[str, Any]:
    """Configuration 0's predicted and measured propensity (N,) in output ``column`` (a time of ``kind``), for a map."""
    times = measured.shape[1] // len(kinds)
    index = column - list(kinds).index(kind) * times
    if not 0 <= index < times:
        raise ValueError(f"column {column} is not a time of the {kind} block")
    return {"kind": kind, "time_index": index, "predicted": predicted[0, column].tolist(), "measured": measured[0, column].tolist()}


def network_study(
    profile: Profile,
    ensembles: Mapping[str, Sequence[IsoconfigurationalEnsemble]],
    measured: Mapping[str, Mapping[str, np.ndarray]],
    tau_alpha: Mapping[str, Mapping[str, float | None]],
    progress: bool = True,
    scheduler: Any = None,
) -> dict[str, Any]:
    """Per temperature label: cross-validated scores of every network, transfer scores, parameter counts, training curves.

    ``measured[label][kind]``: the propensity (C, T, N) of each displacement kind; the networks learn all kinds
    at once (stacked along the outputs). ``tau_alpha[label][kind]``: τ_α (τ), where early stopping looks.
    Every training (temperature × network × input, and the learning curve) is one Dask task on ``scheduler``
    (:func:`glasslib.cluster.dask_client`), single-threaded, so the numbers do not depend on the machine's cores.
    """
    other = OTHER_INPUT[profile.propensity_input]
    graphs = {label: graphs_of(group, profile.propensity_input) for label, group in ensembles.items()}
    other_graphs = {label: graphs_of(group, other) for label, group in ensembles.items()}
    kinds = list(next(iter(measured.values())))
    targets = {label: np.concatenate([measured[label][kind] for kind in kinds], axis=1) for label in ensembles}
    masks = {label: np.stack([e.types == TYPE_A for e in group]) for label, group in ensembles.items()}
    out: dict[str, Any] = {
        label: {"scores": {}, "transfer": {}, "parameters": {}, "training": {}, "other_input": {"input": other, "scores": {}}}
        for label in ensembles
    }
    columns = {label: nearest_columns(group[0].times, tau_alpha[label], kinds) for label, group in ensembles.items()}
    lowest = min(ensembles, key=float)
    fits = {
        (label, name, positions): (profile, name, targets[label], masks[label], columns[label], index, chosen[label])
        for index, label in enumerate(ensembles)
        for name in ARCHITECTURES
        for positions, chosen in ((profile.propensity_input, graphs), (other, other_graphs))
    }
    learning = (profile, graphs[lowest], targets[lowest], masks[lowest], columns[lowest], kinds, list(ensembles).index(lowest))
    tasks = [(_task_key("propensity", key), _keyed, (key, _cross_validated, fit)) for key, fit in fits.items()]
    if len(profile.propensity_learning_rates) == 1:  # every fold's rate is known before its main network trains
        rates = list(profile.propensity_learning_rates) * profile.propensity_folds
        tasks.append((_task_key("learning", (lowest,)), _keyed, ("learning", _learning, (*learning, rates))))
    with dask_client(profile, scheduler) as client:
        done = dict(run_tasks(client, tasks, "propensity networks (temperature × network × input)", "training", progress))
        if "learning" not in done:
            rates = [network.history.get("learning_rate") for network in done[(lowest, LEARNING_NETWORK, profile.propensity_input)][1]]
            task = (_task_key("learning", (lowest, *rates)), _keyed, ("learning", _learning, (*learning, rates)))
            done.update(run_tasks(client, [task], "learning curve", "curve", progress))
    trained: dict[tuple[str, str], list[Any]] = {}
    for label in ensembles:
        for name in ARCHITECTURES:
            predicted, networks = done[(label, name, profile.propensity_input)]
            trained[(label, name)] = networks
            out[label]["scores"][name] = score_curves(predicted, targets[label], masks[label], kinds, profile.seed)
            on_other, _ = done[(label, name, other)]
            out[label]["other_input"]["scores"][name] = score_curves(on_other, targets[label], masks[label], kinds, profile.seed)
            out[label]["parameters"][name] = parameter_count(networks[0].model)
            out[label]["training"][name] = [network.history for network in networks]
            column = columns[label][kinds.index(EXAMPLE_KIND)]
            out[label].setdefault("example", {})[name] = example(predicted, targets[label], column, kinds, EXAMPLE_KIND)
    out[lowest]["learning_curve"] = {LEARNING_NETWORK: _with_main_run(profile, done, lowest, targets, masks, columns, kinds)}
    for (source, name), networks in trained.items():
        for label in ensembles:
            if label != source:
                predicted = np.mean([predict(network, graphs[label]) for network in networks], axis=0)
                out[label]["transfer"].setdefault(source, {})[name] = score_curves(
                    predicted, targets[label], masks[label], kinds, profile.seed
                )
    return out


def _keyed(key: Any, function: Any, args: tuple[Any, ...]) -> tuple[Any, Any]:
    """``(key, function(*args))`` in this worker's training slot: one Dask task's result, named."""
    with training_slot():
        return key, function(*args)


def _task_key(kind: str, parts: tuple[Any, ...]) -> str:
    """A Dask key naming one training task (unique per task of one study)."""
    return "-".join([kind, *(str(part) for part in parts)])


def _with_main_run(
    profile: Profile,
    done: Mapping[Any, Any],
    label: str,
    targets: Mapping[str, np.ndarray],
    masks: Mapping[str, np.ndarray],
    columns: Mapping[str, Sequence[int]],
    kinds: Sequence[str],
) -> dict[str, Any]:
    """The learning curve's smaller sizes (task ``"learning"``) with the main run's held-out ρ as its last point."""
    curve = done["learning"]
    predicted = done[(label, LEARNING_NETWORK, profile.propensity_input)][0]
    for k, kind in enumerate(kinds):
        at = columns[label][k : k + 1]
        curve[kind].append(prop.correlation_over_time(predicted[:, at], targets[label][:, at], masks[label])[:, 0].tolist())
    curve["sizes"].append(learning_sizes(len(targets[label]), profile.propensity_folds)[1])
    return curve


def _cross_validated(
    profile: Profile, name: str, targets: np.ndarray, mask: np.ndarray, columns: Sequence[int], index: int, graphs: Sequence[RadiusGraph]
) -> tuple[np.ndarray, list[Any]]:
    """Network ``name``'s cross-validated predictions from ``graphs`` at temperature number ``index``: the profile's folds,
    epochs, seed and learning-rate search, stopping at the ``columns`` (the times nearest τ_α); the same for either input."""
    return cross_validated_predictions(
        name,
        graphs,
        targets,
        mask,
        profile.propensity_folds,
        profile.propensity_epochs,
        profile.seed + 1000 * index,
        ROTATE[name],
        threads=1,
        columns=columns,
        learning_rates=profile.propensity_learning_rates,
        **ARCHITECTURES[name],
    )


def _learning(
    profile: Profile,
    graphs: Sequence[RadiusGraph],
    targets: np.ndarray,
    mask: np.ndarray,
    columns: Sequence[int],
    kinds: Sequence[str],
    index: int,
    rates: Sequence[float | None],
) -> dict[str, Any]:
    """:data:`LEARNING_NETWORK` trained on fewer configurations per fold (:func:`learning_sizes`): held-out ρ per kind and size.

    Each fold uses the learning rate its main network chose (``rates``).
    """
    sizes, _ = learning_sizes(len(graphs), profile.propensity_folds)
    curve = network_curve(
        LEARNING_NETWORK,
        graphs,
        targets,
        mask,
        profile.propensity_folds,
        sizes,
        columns,
        profile.propensity_epochs,
        profile.seed + 1000 * index,
        ROTATE[LEARNING_NETWORK],
        threads=1,
        fold_learning_rates=rates,
        **ARCHITECTURES[LEARNING_NETWORK],
    )
    return {"sizes": list(curve), **{kind: [curve[n][:, k].tolist() for n in curve] for k, kind in enumerate(kinds)}}
