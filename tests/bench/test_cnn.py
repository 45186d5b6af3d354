"""``glasslib bench cnn`` (glasslib.bench.cnn): training and inference per sample, GFLOP/s beside the matmul rate, pipeline rates."""

from __future__ import annotations

import pytest

from glasslib.bench import cnn

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("tensorflow_threads")]

#: main() trains the paper's 250-pixel network (72 M parameters): minutes on two cores. A 64-pixel one with the same layers instead.
TINY = cnn.CNNArchitecture(image_size=64, dense_units=16)


def test_every_row_prints_a_positive_figure_with_its_unit_and_agrees_with_the_returned_one(capsys, figure):
    result = cnn.bench_cnn(TINY, batch_size=4, batches=2, n_particles=300, matmul_size=256, repeats=1)
    text = capsys.readouterr().out
    assert f"cnn: 64×64 input, {TINY.parameter_count():,} parameters, batch 4, 2 timed steps per way (median)" in text
    rows = {
        ("training", "ms/sample"): "train_ms_per_sample",
        ("inference", "ms/sample"): "inference_ms_per_sample",
        ("float32 matmul 256×256", "GFLOP/s"): "matmul_gflops",
        ("training, images in memory", "samples/s"): "in_memory_samples_per_second",
        ("training, pipeline from cache", "samples/s"): "cache_samples_per_second",
        ("training, pipeline rendering", "samples/s"): "render_samples_per_second",
        ("fast renderer", "ms/image"): "render_ms_per_image",
    }
    for (label, unit), key in rows.items():
        assert figure(text, label, unit) == pytest.approx(result[key], abs=0.06), label
    # the arithmetic rates beside the per-sample times: training counts 3 forward passes
    assert figure(text, "ms/sample (", "GFLOP/s") == pytest.approx(result["train_gflops"], abs=0.06)
    assert figure(text, "GFLOP/s,", "GFLOP/sample") == pytest.approx(3 * result["forward_gflop_per_sample"], abs=6e-4)
    for way in ("cache", "render"):
        assert 0 < result[f"{way}_ratio"] and f"(ratio {result[f'{way}_ratio']:.3f}; pipeline alone" in text
        assert result[f"{way}_pipeline_samples_per_second"] > 0
    assert "(N = 300)" in text
