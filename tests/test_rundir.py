"""glasslib.rundir: one path per product, provenance that detects stale upstream work, clear errors."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

from glasslib import rundir
from glasslib.profiles import get_profile

ROOT = Path(__file__).resolve().parents[1]


def test_every_product_names_its_writer_and_its_io_module():
    for product in rundir.PRODUCTS.values():
        assert product.writer.startswith("notebooks/") and ".ipynb" in product.writer
        assert (ROOT / product.writer.split(" ")[0]).exists()
        importlib.import_module(product.io)


def test_a_setting_changes_exactly_the_products_that_depend_on_it():
    base, changed = get_profile("smoke"), get_profile("smoke", tg_min_points=4)
    same = {
        "simulations",
        "dump",
        "memory_decay",
        "ensembles",
        "dynamics",
        "machine_figures",
    }  # chapter 09 only checks its temperatures against Tg; the machine's figures depend on no setting
    for name in rundir.PRODUCTS:
        keys = {"model": "dmpnn"} if name in ("model", "cross_dataset") else {}
        differs = rundir.product_hash(base, name, **keys) != rundir.product_hash(changed, name, **keys)
        assert differs == (name not in same), name
    # the CNN's budget changes the CNN, not the D-MPNN
    more = get_profile("smoke", cnn_outer_epochs=3)
    assert rundir.product_hash(base, "model", model="cnn") != rundir.product_hash(more, "model", model="cnn")
    assert rundir.product_hash(base, "model", model="dmpnn") == rundir.product_hash(more, "model", model="dmpnn")
    # the ensembles' settings change the ensembles and what is built on them, nothing else
    runs = get_profile("smoke", dynamics_runs=8)
    assert rundir.product_hash(base, "dynamics") != rundir.product_hash(runs, "dynamics")
    assert rundir.product_hash(base, "metrics") == rundir.product_hash(runs, "metrics")
    # how the book runs is not what it computes
    assert rundir.product_hash(base, "metrics") == rundir.product_hash(get_profile("smoke", workers=1), "metrics")


def test_a_json_product_round_trips_and_a_changed_setting_reads_as_stale(tmp_path):
    profile = get_profile("smoke")
    rundir.write_json_product(tmp_path, profile, "tg", {"schedules": {"slow": {"tg": 0.4}}})
    assert rundir.read_json_product(tmp_path, profile, "tg")["schedules"]["slow"]["tg"] == 0.4
    with pytest.raises(rundir.StaleProductError, match=r"tg_min_points=3 \(now 4\).*02_tg"):
        rundir.read_json_product(tmp_path, get_profile("smoke", tg_min_points=4), "tg")
    # the data sets built on the earlier Tg are stale for the new one
    with pytest.raises(rundir.StaleProductError, match="upstream tg"):
        rundir.check_provenance(rundir.stamp(profile, "datasets"), get_profile("smoke", tg_min_points=4), "datasets", tmp_path / "datasets")


def test_missing_corrupt_and_pre_contract_products_name_the_chapter_to_run(tmp_path):
    profile = get_profile("smoke")
    with pytest.raises(rundir.MissingProductError, match="07_metrics"):
        rundir.read_json_product(tmp_path, profile, "metrics")
    path = rundir.product_path(tmp_path, "metrics", profile)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(rundir.ProductError, match="corrupt.*07_metrics"):
        rundir.read_json_product(tmp_path, profile, "metrics")
    # written before provenance, at the variant's path: stale, never misread
    tg = rundir.product_path(tmp_path, "tg", profile)
    tg.parent.mkdir(parents=True)
    tg.write_text(json.dumps({"profile_hash": profile.simulation_hash(), "schedules": {}}))
    with pytest.raises(rundir.StaleProductError, match="before products recorded their provenance"):
        rundir.read_json_product(tmp_path, profile, "tg")


def test_a_run_directory_written_before_variants_reads_as_stale_and_keeps_its_files(tmp_path):
    profile = get_profile("smoke")
    old = tmp_path / "metrics.json"  # contract 1: one metrics.json at the top, whatever the settings
    old.write_text(json.dumps({"provenance": {"hash": "0" * 64, "settings": {}}, "kink": []}))
    with pytest.raises(rundir.StaleProductError, match="older glasslib.*07_metrics"):
        rundir.read_json_product(tmp_path, profile, "metrics")
    assert old.read_text().startswith('{"provenance"')  # never deleted, never rewritten
    (tmp_path / "models" / "cnn").mkdir(parents=True)
    (tmp_path / "models" / "cnn" / "ds1_fold0.result.json").write_text("{}")
    error = rundir.missing_error(tmp_path, "model", profile, rundir.product_path(tmp_path, "model", profile, model="cnn"), model="cnn")
    assert isinstance(error, rundir.StaleProductError)


def test_batch_runs_with_overrides_write_beside_the_default_and_every_variant_stays_readable(tmp_path):
    default, four, five = (get_profile("smoke", **o) for o in ({}, {"tg_min_points": 4}, {"tg_min_points": 5}))
    for n, profile in enumerate((default, four, five)):
        rundir.write_json_product(tmp_path, profile, "tg", {"schedules": {"slow": {"tg": 0.4 + n}}})
    assert [rundir.read_json_product(tmp_path, p, "tg")["schedules"]["slow"]["tg"] for p in (default, four, five)] == [0.4, 1.4, 2.4]
    assert len({rundir.product_path(tmp_path, "tg", p) for p in (default, four, five)}) == 3
    # a setting no variant was computed with: stale, naming what the stored variants differ in
    with pytest.raises(rundir.StaleProductError, match=r"tg_min_points=3 \(now 6\).*02_tg"):
        rundir.read_json_product(tmp_path, get_profile("smoke", tg_min_points=6), "tg")
    # products a setting does not touch are shared (one simulation store)
    assert rundir.product_path(tmp_path, "simulations") == tmp_path / "sim"


def test_the_renderer_s_image_rules_enter_the_cnn_hashes_and_no_other(monkeypatch):
    from glasslib.data import render

    profile = get_profile("smoke")
    before = {name: rundir.product_hash(profile, "model", model=name) for name in ("cnn", "cnn_pooled", "dmpnn")}
    monkeypatch.setitem(render.IMAGE_INPUTS, "colour_a", "#FF0000")
    after = {name: rundir.product_hash(profile, "model", model=name) for name in before}
    assert after["cnn"] != before["cnn"] and after["cnn_pooled"] != before["cnn_pooled"]
    assert after["dmpnn"] == before["dmpnn"]
    assert rundir.product_hash(profile, "datasets") == rundir.product_hash(profile, "datasets")


def test_no_notebook_and_no_module_outside_the_contract_spells_a_product_path():
    roots = {p.pattern.split("/")[0].split("{")[0].removesuffix(".json") for p in rundir.PRODUCTS.values()}
    roots |= {p.legacy.split("/")[0].removesuffix(".json") for p in rundir.PRODUCTS.values() if p.legacy}
    # a quoted path that starts with a product's folder or file name: "tg/…", "metrics.json", "sim/…"
    spelled = re.compile(r"[\"'](" + "|".join(map(re.escape, sorted(roots))) + r")(/[^\"']*|\.json|\.dump)[\"']")
    offenders = []
    for path in [*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("glasslib/**/*.py")]:
        if path.name == "rundir.py":
            continue
        text = path.read_text()
        if spelled.search(text) or re.search(r"run_dir\s*/\s*[\"']", text):
            offenders.append(path.relative_to(ROOT))
    assert not offenders, f"product paths spelled outside glasslib/rundir.py: {offenders}"


def test_the_quench_rule_enters_the_products_that_quench(monkeypatch):
    from glasslib.data import quench

    profile = get_profile("smoke")
    names = ("datasets", "metrics", "readings", "simulations")
    before = {name: rundir.product_hash(profile, name) for name in names}
    monkeypatch.setattr(quench, "REARRANGED_TOLERANCE", 0.25)
    after = {name: rundir.product_hash(profile, name) for name in names}
    assert [name for name in names if after[name] != before[name]] == ["datasets", "metrics", "readings"]
    with pytest.raises(rundir.StaleProductError, match=r"code-level inputs it reads changed \(glasslib.data.quench:REARRANGED_TOLERANCE\)"):
        monkeypatch.setattr(quench, "REARRANGED_TOLERANCE", 0.5)
        recorded = json.loads(json.dumps(rundir.provenance(profile, "readings")))  # as stored: tuples become lists
        monkeypatch.setattr(quench, "REARRANGED_TOLERANCE", 0.25)
        rundir.check_provenance(recorded, profile, "readings", Path("readings.json"))
