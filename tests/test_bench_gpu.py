"""``glasslib bench gpu`` (glasslib.bench.gpu): measures nothing without a GPU, and its training runs the book's loop."""

from __future__ import annotations

import pytest
import torch

from glasslib.bench import gpu
from glasslib.profiles import get_profile


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU: the benchmark would measure it")
def test_without_a_gpu_it_says_so_and_measures_nothing(capsys):
    assert gpu.main(get_profile("smoke")) == {}
    assert "no CUDA GPU visible to torch" in capsys.readouterr().out


def test_the_paper_size_training_runs_the_books_training_loop_on_random_configurations(torch_one_thread):
    row = gpu.paper_training("I", n_configurations=8, epochs=1, n_particles=300)
    assert row["model"] == "I" and row["ms_per_sample"] > 0 and row["seconds"] > 0
    assert row["device"] == ("CPU" if not torch.cuda.is_available() else row["device"])
    data = gpu.random_dataset(6, n_particles=50)
    assert data.positions.shape == (6, 50, 2) and list(data.labels) == [1, 1, 1, 0, 0, 0]
