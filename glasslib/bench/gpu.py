"""``glasslib bench gpu``: every figure a GPU owes the paper-scale plan, in one short run.

On a machine whose torch sees a CUDA GPU: the D-MPNN's reference models I, II and III per training
sample (:func:`glasslib.bench.dmpnn.bench_dmpnn`, window sides 0.2 and 0.3), a short training of each
through the book's own training loop (:func:`paper_training`: windows, graphs, Adam, validation,
as a search's trial runs it) on random configurations of the paper's N = 4,320, chapter 9's
propensity networks at N = 4,320 (:func:`glasslib.bench.equivariant.bench_equivariant`), and the
paper's CNN (:func:`glasslib.bench.cnn.bench_cnn`) when TensorFlow sees a GPU too. Without a GPU it
says so and measures nothing (the CPU figures are ``glasslib bench dmpnn`` and the plan page's).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from glasslib.profiles import Profile, get_profile

#: The paper's target for model I on a GPU (issue 13), ms per training sample.
TARGET_MODEL_I_MS = 1.0


def random_dataset(n_configurations: int, n_particles: int = 4320, box_length: float = 60.0, seed: int = 0) -> Any:
    """A :class:`~glasslib.data.datasets.Dataset` of uniform random configurations (65 % A), half labelled glass: for timing only."""
    from glasslib.data.datasets import GLASS, LIQUID, Dataset, DatasetSpec
    from glasslib.data.splits import Splits

    rng = np.random.default_rng(seed)
    per_class = n_configurations // 2
    runs = np.arange(per_class)
    return Dataset(
        spec=DatasetSpec(1, "slow", 0, 0.05, "slow", 1, 2.0, "uniform random configurations (timing only)"),
        positions=rng.random((2 * per_class, n_particles, 2)).astype(np.float32),
        types=np.where(rng.random(n_particles) < 0.65, 1, 2).astype(np.int8),
        labels=np.repeat([GLASS, LIQUID], per_class).astype(np.int8),
        run_index=np.concatenate([runs, runs]),
        inherent_energy=np.zeros(2 * per_class),
        box_length=box_length,
        splits=Splits(np.zeros((3, 0), dtype=np.int64), np.zeros((3, per_class), dtype=np.int8)),
    )


def paper_training(
    model: str = "I", n_configurations: int = 40, epochs: int = 2, l_win: float = 0.2, n_particles: int = 4320
) -> dict[str, Any]:
    """Train reference model ``model`` (SPEC section 6: dropout 0.5, batch 5) with :func:`~glasslib.models.dmpnn.fit.train_dmpnn`.

    Returns ms per training sample (the training's own throughput, windows and graphs included), the
    device it trained on and its wall time, s.
    """
    from glasslib.bench.dmpnn import REFERENCE_MODELS
    from glasslib.models.contract import TrainRequest
    from glasslib.models.dmpnn.fit import train_dmpnn

    data = random_dataset(n_configurations, n_particles)
    half = n_configurations // 2
    k, hidden, depth, ffn = REFERENCE_MODELS[model]
    params = {"k": k, "l_win": l_win, "hidden": hidden, "depth": depth, "ffn_layers": ffn, "dropout": 0.5, "batch_size": 5}
    both = np.array([0, half])
    result = train_dmpnn(data, TrainRequest(np.arange(2 * half), both, both + 1, params, epochs=epochs, seed=0))
    return {"model": model, "ms_per_sample": 1e3 / result.samples_per_second, "device": result.device, "seconds": result.seconds}


def main(profile: Profile, steps: int | None = None) -> object:
    """``glasslib bench gpu``: the figures above, printed; nothing without a CUDA GPU."""
    import torch

    if not torch.cuda.is_available():
        print("no CUDA GPU visible to torch (see `glasslib devices`): this benchmark measures a GPU, nothing to do here")
        return {}
    from glasslib.bench.dmpnn import bench_dmpnn
    from glasslib.bench.equivariant import bench_equivariant

    figures: dict[str, Any] = {"dmpnn": bench_dmpnn(l_wins=(0.2, 0.3), threads=1, steps={"I": 50, "I+attention": 20, "II": 10, "III": 5})}
    figures["training"] = [paper_training(model) for model in ("I", "II", "III")]
    for row in figures["training"]:
        target = f" (target ≤ {TARGET_MODEL_I_MS:g} ms)" if row["model"] == "I" else ""
        print(f"train_dmpnn, model {row['model']}, N = 4,320: {row['ms_per_sample']:.2f} ms/sample on {row['device']}{target}")
    figures["equivariant"] = bench_equivariant(get_profile("paper"), steps or 10)
    for name, f in figures["equivariant"].items():
        if name != "device":
            print(f"propensity network {name}, N = 4,320: {f['step_seconds'] * 1e3:.1f} ms per configuration step")
    try:
        import tensorflow as tf
    except ImportError:
        print("TensorFlow is not installed here: the CNN is not measured")
        return figures
    if tf.config.list_physical_devices("GPU"):
        from glasslib.bench.cnn import bench_cnn

        figures["cnn"] = bench_cnn()
    else:
        print("TensorFlow sees no GPU (tensorflow-cpu, or no CUDA libraries): the CNN is not measured")
    return figures
