"""glasslib.run_variants and ``glasslib runs``: variants listed with their settings and sizes, one removed, the rest untouched."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from glasslib import run_variants, rundir
from glasslib.cli import main
from glasslib.profiles import get_profile

SMOKE = get_profile("smoke")
FOUR = get_profile("smoke", tg_min_points=4)


def _write_tg(run_dir, profile, tg: float):
    return rundir.write_json_product(run_dir, profile, "tg", {"schedules": {"slow": {"tg": tg}}, "padding": list(np.zeros(200))})


def test_variants_are_listed_with_their_differing_settings_and_sizes(tmp_path):
    default_path, batch_path = _write_tg(tmp_path, SMOKE, 0.4), _write_tg(tmp_path, FOUR, 0.5)
    folder = rundir.record_variant(tmp_path, SMOKE, "model", model="cnn")
    (folder / "ds1_fold0.result.json").write_text("{}")
    found = {(v.product, v.variant): v for v in run_variants.list_variants(tmp_path)}
    assert set(found) == {
        ("tg", rundir.variant_of(rundir.product_hash(SMOKE, "tg"))),
        ("tg", rundir.variant_of(rundir.product_hash(FOUR, "tg"))),
        ("model", rundir.variant_of(rundir.product_hash(SMOKE, "model", model="cnn"))),
    }
    rows = {(r["product"], r["variant"]): r for r in (run_variants.describe(v, SMOKE) for v in found.values())}
    assert rows[("tg", default_path.stem)]["settings"] == "current for smoke"
    assert rows[("tg", batch_path.stem)]["settings"] == "tg_min_points=4"
    assert rows[("model model=cnn", folder.name)]["settings"] == "current for smoke"
    assert found[("tg", default_path.stem)].size_bytes == default_path.stat().st_size
    table = run_variants.variants_table(tmp_path, SMOKE)
    assert "tg_min_points=4" in table and "3 variants" in table


def test_removing_a_variant_leaves_the_default_whole_even_while_it_is_read(tmp_path):
    _write_tg(tmp_path, SMOKE, 0.4)
    batch = _write_tg(tmp_path, FOUR, 0.5)
    reader = textwrap.dedent(
        f"""
        import time
        from glasslib import rundir
        from glasslib.profiles import get_profile
        profile, end, reads = get_profile("smoke"), time.time() + 1.5, 0
        while time.time() < end:
            assert rundir.read_json_product({str(tmp_path)!r}, profile, "tg")["schedules"]["slow"]["tg"] == 0.4
            reads += 1
        print(reads)
        """
    )
    process = subprocess.Popen([sys.executable, "-c", reader], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    removed = run_variants.remove_variant(tmp_path, batch.stem)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert int(out) > 10 and removed == [batch] and not batch.exists()
    assert rundir.read_json_product(tmp_path, SMOKE, "tg")["schedules"]["slow"]["tg"] == 0.4
    assert not list(tmp_path.rglob(f"{run_variants.REMOVING_MARK}*"))
    with pytest.raises(rundir.StaleProductError, match="tg_min_points"):
        rundir.read_json_product(tmp_path, FOUR, "tg")  # gone: the default is all that is left


def test_glasslib_runs_lists_removes_and_refuses_unknown_variants(tmp_path, capsys):
    _write_tg(tmp_path, SMOKE, 0.4)
    batch = _write_tg(tmp_path, FOUR, 0.5)
    assert main(["runs", "--profile", "smoke", "--run-dir", str(tmp_path)]) == 0
    assert batch.stem in capsys.readouterr().out
    assert main(["runs", "--profile", "smoke", "--run-dir", str(tmp_path), "--remove", "0123456789ab"]) == 2
    assert "no variant '0123456789ab'" in capsys.readouterr().err
    assert main(["runs", "--profile", "smoke", "--run-dir", str(tmp_path), "--remove", batch.stem]) == 0
    assert not batch.exists() and rundir.read_json_product(tmp_path, SMOKE, "tg")
    assert main(["runs", "--profile", "smoke", "--run-dir", str(tmp_path / "absent")]) == 2
    assert not (tmp_path / "absent").exists()  # listing never creates a run directory


def test_a_run_directory_from_before_variants_is_listed_as_stale_and_kept(tmp_path):
    old = tmp_path / "tg.json"
    old.write_text(json.dumps({"schedules": {}}))
    table = run_variants.variants_table(tmp_path, SMOKE)
    assert "written before products were stored under their variant" in table and "tg.json" in table
    assert run_variants.legacy_products(tmp_path) == [old] and old.exists()
