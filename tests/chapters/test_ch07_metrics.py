"""glasslib.chapters.ch07_metrics (chapter 07): Tg read from chapter 02, the kink count and the networks' AUCs, on hand-built inputs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from glasslib.chapters import ch07_metrics as ch07
from glasslib.profiles import get_profile


def test_the_slow_ramps_tg_is_read_as_a_float(monkeypatch):
    stored = {"slow": {"tg": "0.4321", "ci_low": 0.40}, "fast": {"tg": 0.5}}
    monkeypatch.setattr(ch07, "load_tg", lambda run_dir, profile: stored)
    tg = ch07.slow_tg(get_profile("smoke"), Path("nowhere"))
    assert tg == 0.4321 and type(tg) is float
    assert ch07.tg_numbers(tg) == {"tg_slow": 0.4321}


def test_a_metric_kinks_only_below_the_level():
    table = pd.DataFrame({"p_alpha3_positive": [0.01, 0.0499, 0.05, 0.2, float("nan")]}, index=list("abcde"))
    numbers = ch07.kink_numbers(table)
    assert numbers == {"kink_holds": 2} and type(numbers["kink_holds"]) is int


def test_the_networks_aucs_are_keyed_by_upper_case_name(monkeypatch):
    from glasslib.models import selection

    class Stored:
        def __init__(self, name: str):
            self.name = name

        def summary(self) -> pd.DataFrame:
            return pd.DataFrame({"AUC mean": [0.9, 0.8] if self.name == "cnn" else [0.7, 0.6]}, index=[1, 2])

    monkeypatch.setattr(selection, "spec_by_name", lambda profile, name: name)
    monkeypatch.setattr(selection, "load_results", lambda profile, run_dir, spec: Stored(spec))
    aucs = ch07.network_aucs(get_profile("smoke"), Path("nowhere"))
    assert list(aucs) == ["CNN", "DMPNN"]
    assert aucs["CNN"].tolist() == [0.9, 0.8] and aucs["DMPNN"].tolist() == [0.7, 0.6]
