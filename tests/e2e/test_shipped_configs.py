"""Every config shipped in configs/ validates, runs on the CPU backend, and opens in xarray."""
import json

import pytest
import xarray as xr

from conftest import SOURCE_DIR

CONFIGS = sorted((SOURCE_DIR / "configs").glob("*.toml"))


def test_configs_are_shipped():
    names = {c.name for c in CONFIGS}
    assert {"sardana2024-fig1.toml", "lesson.toml", "hardware-compare.toml"} <= names


@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
def test_config_validates_and_runs(tmp_path, scalesweep, config):
    plan = json.loads(scalesweep("validate", config, "--json").stdout)
    assert plan["cells"] > 0
    out = tmp_path / (config.stem + ".h5")
    scalesweep("run", config, "-o", out, "--backend", "cpu", "--quiet")
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        for problem in plan["problems"]:
            for var in problem["variables"]:
                assert ds[var].dims == tuple(problem["dims"]), var
                assert ds[var].shape == tuple(problem["shape"]), var
        for status in ("opt_status", "budget_status"):
            if status in ds:
                assert int((ds[status] != 0).sum()) == 0, f"{status}: some cells not ok"
