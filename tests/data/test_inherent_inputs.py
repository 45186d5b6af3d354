"""Inherent-structure inputs: flagged quenches left out, a vibration-only difference gone after the quench."""

from __future__ import annotations

import numpy as np
import pytest

from glasslib.data import inherent_inputs, quench
from glasslib.data.splits import DatasetError, make_splits
from glasslib.models.baselines import scalar_baseline
from glasslib.profiles import get_profile
from glasslib.simulation import driver
from glasslib.structure.thermometer import thermometer


def _inputs(positions: np.ndarray, fnorm: np.ndarray, rearranged: np.ndarray) -> inherent_inputs.InherentInputs:
    records = {k: np.zeros(len(fnorm)) for k in quench.QUENCH_FIELDS} | {"fnorm": fnorm, "rearranged": rearranged}
    return inherent_inputs.InherentInputs(positions, records, ftol=1e-5, maxiter=100)


def test_a_flagged_quench_is_left_out_of_the_inherent_inputs_and_nothing_else_moves(make_dataset):
    rng = np.random.default_rng(0)
    data = make_dataset(rng.random((8, 5, 2)), np.array([1, 1, 1, 2, 2]))
    fnorm = np.full(8, 1e-6)
    fnorm[1] = 1e-3  # not converged
    rearranged = np.zeros(8)
    rearranged[6] = 0.9  # rearranged beyond the tolerance
    inputs = _inputs(rng.random((8, 5, 2)).astype(np.float32), fnorm, rearranged)
    assert inputs.usable.tolist() == [True, False, True, True, True, True, False, True]
    view = inherent_inputs.with_inherent(data, inputs)
    kept = np.flatnonzero(inputs.usable)
    assert np.array_equal(view.positions, inputs.positions[kept]) and np.array_equal(view.labels, data.labels[kept])
    assert np.array_equal(view.run_index, data.run_index[kept]) and view.splits is data.splits
    with pytest.raises(DatasetError, match="3 inherent structures for 8"):
        inherent_inputs.with_inherent(data, _inputs(inputs.positions[:3], fnorm[:3], rearranged[:3]))


def test_an_unknown_input_kind_is_a_clear_error(tmp_path):
    with pytest.raises(DatasetError, match="choose from"):
        inherent_inputs.model_inputs(tmp_path, 1, "0" * 12, "quenched")


@pytest.mark.slow
def test_two_classes_that_differ_only_by_vibration_are_apart_on_thermal_inputs_and_not_on_inherent_ones(make_dataset):
    """Glasses and liquids: one minimum, rattled by 0.01 σ or by 0.04 σ. The thermometer tells them apart on
    the thermal configurations (AUC 1); quenched, both return to the minimum and it scores 0.5 within its interval."""
    profile = get_profile("smoke", workers=2)
    start = driver.initial_configuration(profile.protocol, seed=4)
    length, types = profile.protocol.box_length, start["types"]
    minimum = quench.quench(profile, start["positions"][None], types, progress=False).positions[0]
    runs, rng = 12, np.random.default_rng(7)
    amplitude = np.repeat([0.01, 0.04], runs)[:, None, None]
    thermal = minimum[None] + amplitude * rng.normal(size=(2 * runs, *minimum.shape))
    data = make_dataset(thermal / length, types, box_length=length, splits=make_splits(runs, seed=2, inner_fractions=(0.5, 0.25, 0.25)))
    quenched = quench.quench(profile, np.asarray(data.positions, float) * length, types, progress=False)
    assert quenched.usable.all() and quenched.rearranged.max() == 0.0
    warm = scalar_baseline(data, thermometer(np.asarray(data.positions, float) * length, types, length), "thermometer")
    assert warm.auc == 1.0
    inputs = inherent_inputs.InherentInputs(
        np.mod(quenched.positions / length, 1.0).astype(np.float32),
        {k: getattr(quenched, k) for k in quench.QUENCH_FIELDS},
        quenched.ftol,
        profile.is_fire_maxiter,
    )
    cold_data = inherent_inputs.with_inherent(data, inputs)
    cold = scalar_baseline(cold_data, thermometer(np.asarray(cold_data.positions, float) * length, types, length), "thermometer")
    low, high = cold.interval(seed=0)
    assert low < 0.5 < high
