"""``glasslib bench render`` (glasslib.bench.render): images per second of both renderers, speed-ups and their agreement."""

from __future__ import annotations

import pytest

from glasslib.bench import render
from glasslib.profiles import get_profile

RATES = {
    "matplotlib (Agg scatter)": "matplotlib_images_per_second",
    "fast, render_fast (one image/call)": "fast_images_per_second",
    "fast, render_batch (all in one call)": "batch_images_per_second",
}


@pytest.mark.slow
def test_main_prints_three_rates_in_images_per_second_and_the_speed_ups_they_imply(capsys, figure):
    result = render.main(get_profile("smoke"))  # its defaults: 20 images of N = 4320, about 3 s
    text = capsys.readouterr().out
    assert "render: 20 images of N = 4320 particles" in text
    rates = {key: figure(text, label, "img/s") for label, key in RATES.items()}
    for key, printed in rates.items():
        assert printed == pytest.approx(result[key], abs=0.06)
    fast = figure(text, "speed-up render_fast / matplotlib", "×")
    batch = figure(text, "speed-up render_batch / matplotlib", "×")
    assert fast == pytest.approx(rates["fast_images_per_second"] / rates["matplotlib_images_per_second"], rel=0.02, abs=0.06)
    assert batch == pytest.approx(rates["batch_images_per_second"] / rates["matplotlib_images_per_second"], rel=0.02, abs=0.06)


def test_the_agreement_of_the_renderers_prints_as_fractions_of_one(capsys, figure):
    render.bench_render(n_images=2, n_particles=300, repeats=1)
    text = capsys.readouterr().out
    assert "render: 2 images of N = 300 particles" in text
    for label in ("IoU of non-white masks (mean)", "colour agreement (mean)"):
        assert 0 < figure(text, label, "\n") <= 1
