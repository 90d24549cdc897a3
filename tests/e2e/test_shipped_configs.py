"""Every config shipped in configs/ validates, runs on the CPU backend, and writes what the config
declares: read back with h5py and checked against the TOML itself (parsed here with tomllib, not
by scalesweep): each axis with its points, the hardware scenarios, the problems its axes and
[output] dense ask for (SPEC §4), every cell with a status, counted as the run reports. The
configs are small (under 1 s each), so each runs whole."""
import json
import tomllib

import h5py
import numpy as np
import pytest
import xarray as xr

from conftest import SOURCE_DIR

CONFIGS = sorted((SOURCE_DIR / "configs").glob("*.toml"))

# SPEC §4: the variables of each problem, over its dimensions.
OPTIMA = {
    "loss_target": (("hardware", "T", "loss_target"),
                    ["opt_N", "opt_D", "opt_cost", "chinchilla_N", "chinchilla_D", "chinchilla_cost"],
                    "opt_status"),
    "budget": (("hardware", "T", "budget"),
               ["budget_N", "budget_D", "budget_loss", "budget_chinchilla_N", "budget_chinchilla_D",
                "budget_chinchilla_loss"],
               "budget_status"),
}
DENSE = {
    "loss": (("N", "D"), ["loss"]),
    "cost": (("hardware", "T", "N", "D"), ["cost"]),
    "budget_curve": (("hardware", "T", "budget", "N"), ["budget_curve_loss", "budget_curve_D"]),
}


def declared_axes(cfg):
    """Axis name -> its points, from the config's own description of them."""
    axes = {}
    for name, spec in cfg["axes"].items():
        if "values" in spec:
            axes[name] = np.array(spec["values"], dtype=float)
        elif "linear" in spec:
            axes[name] = np.linspace(*spec["linear"], spec["points"])
        else:
            axes[name] = 10.0 ** np.linspace(*spec["log10"], spec["points"])
    usd = cfg.get("objective", {}).get("kind", "flops") == "usd"
    axes["hardware"] = [h["name"] for h in cfg["hardware"]] if usd else ["flops"]
    return axes


def declared_problems(cfg, axes):
    """(dimensions, variables) of every problem the config asks for: the optima of the declared
    loss_target and budget axes, the dense grids listed in [output] dense (by default, every
    grid whose axes are declared)."""
    problems = [(dims, variables + [status]) for axis, (dims, variables, status) in OPTIMA.items()
                if axis in axes]
    dense = cfg.get("output", {}).get("dense")
    for grid, (dims, variables) in DENSE.items():
        if (grid in dense) if dense is not None else all(d in axes for d in dims):
            problems.append((dims, variables))
    return problems


def dimension_names(dataset):
    return tuple(dim[0].name.lstrip("/") for dim in dataset.dims)


def test_configs_are_shipped():
    names = {c.name for c in CONFIGS}
    assert {"sardana2024-fig1.toml", "lesson.toml", "hardware-compare.toml"} <= names


@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
def test_config_runs_into_what_it_declares(tmp_path, scalesweep, config):
    cfg = tomllib.loads(config.read_text())
    axes = declared_axes(cfg)
    problems = declared_problems(cfg, axes)
    variables = {v: dims for dims, names in problems for v in names}
    cells = sum(int(np.prod([len(axes[d]) for d in dims])) for dims, _ in problems)

    plan = scalesweep.json("validate", config)
    assert plan["cells"] == cells
    out = tmp_path / (config.stem + ".h5")
    run = scalesweep.json("run", config, "-o", out, "--backend", "cpu", "--quiet")
    assert run["cells"] == cells

    with h5py.File(out, "r") as f:
        for name, points in axes.items():
            if name == "hardware":
                assert [n.decode() if isinstance(n, bytes) else n for n in f["hardware_name"][()]] == points
                assert f["hardware"].shape == (len(points),)
            else:
                # Listed values exactly; linear and log10 points to 1e-13: numpy's linspace rounds
                # in another order, and a few ulp in an exponent of at most 25 is < 1e-13 relative.
                rtol = 0 if "values" in cfg["axes"][name] else 1e-13
                np.testing.assert_allclose(f[name][()], points, rtol=rtol, atol=0, err_msg=name)
        written = {n for n, o in f.items() if isinstance(o, h5py.Dataset) and n not in axes
                   and n != "hardware_name"}
        assert written == set(variables), config.name
        for variable, dims in variables.items():
            ds = f[variable]
            assert dimension_names(ds) == dims, variable
            assert ds.shape == tuple(len(axes[d]) for d in dims), variable
        for _dims, numbers, status in (OPTIMA[a] for a in OPTIMA if a in axes):
            flags = f[status]
            names = flags.attrs["flag_meanings"].split()
            counts = np.bincount(flags[()].ravel(), minlength=len(names))
            assert dict(zip(names, counts.tolist())) == run["statuses"][status], status
            assert counts[names.index("ok")] == flags.size, f"{status}: some cells not ok"
            for v in numbers:  # an ok cell holds a finite positive number
                assert np.all(np.isfinite(f[v][()])) and np.all(f[v][()] > 0), v

    # The file opens in xarray with the same named dimensions.
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        for variable, dims in variables.items():
            assert ds[variable].dims == dims, variable
