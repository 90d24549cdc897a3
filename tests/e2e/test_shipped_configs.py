"""Every config shipped in configs/ validates, runs on the CPU backend, and writes what the config
declares: read back with h5py and checked against the TOML itself (parsed here with tomllib, not
by scalesweep): each axis with its points, the hardware scenarios, the problems its axes and
[output] dense ask for (SPEC §4), every cell with a status, counted as the run reports. The
configs are small (under 1 s each), so each runs whole."""
import json
import shutil
import subprocess
import tomllib

import h5py
import numpy as np
import pytest
import xarray as xr

from conftest import SOURCE_DIR

CONFIGS = sorted((SOURCE_DIR / "configs").glob("*.toml"))

# SPEC §4 and §5.6: the variables of each problem, over its dimensions.
OPTIMA = {
    "loss_target": (("hardware", "T", "loss_target"),
                    [p + v for p in ("opt_", "chinchilla_") for v in
                     ("N", "D", "tokens_per_param", "cost", "train_cost", "serve_cost")],
                    "opt_status"),
    "budget": (("hardware", "T", "budget"),
               [p + v for p in ("budget_", "budget_chinchilla_") for v in
                ("N", "D", "tokens_per_param", "loss", "train_cost", "serve_cost")],
               "budget_status"),
    # SPEC §5.4: the robust choice, wherever a spread axis is declared.
    "spread": (("hardware", "spread", "T", "loss_target"), ["robust_N", "robust_D", "robust_regret"],
               "robust_status"),
}
# SPEC §5.5: under [law] samples each optimum becomes its quantiles (leading `quantile`
# dimension) and the feasible fraction (the optimum's dimensions).
QUANTILES = {
    "loss_target": ("opt_", ("N", "D", "cost", "saving", "N_ratio"), "opt_feasible_fraction"),
    "budget": ("budget_", ("N", "D", "loss"), "budget_feasible_fraction"),
    # and the robust choice's (docs/uncertainty.md: beyond §5.5's list, the same pattern)
    "spread": ("robust_", ("N", "D", "regret"), "robust_feasible_fraction"),
}
DENSE = {
    "loss": (("N", "D"), ["loss"]),
    "cost": (("hardware", "T", "N", "D"), ["cost"]),
    "budget_curve": (("hardware", "T", "budget", "N"), ["budget_curve_loss", "budget_curve_D"]),
    "implied_T": (("hardware", "N", "D"), ["implied_T", "implied_status"]),  # SPEC §5.3
    "regret": (("hardware", "T_plan", "T", "loss_target"), ["regret", "regret_status"]),  # §5.4
}
# Written only when [output] dense names them, never by default.
NAMED_ONLY = {"implied_T", "regret"}


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
    if "regret" in cfg.get("output", {}).get("dense", []):
        axes["T_plan"] = axes["T"]  # SPEC §5.4: T_plan holds the T axis' values
    usd = cfg.get("objective", {}).get("kind", "flops") == "usd"
    axes["hardware"] = [n for h in cfg["hardware"] for n in scenario_names(h)] if usd else ["flops"]
    if "samples" in cfg["law"]:
        axes["quantile"] = np.array(cfg.get("uncertainty", {}).get("quantiles", [0.05, 0.5, 0.95]))
    return axes


# docs/config.md "Sweeps": the fields a [[hardware]] table may sweep, in the order they expand
# (first outermost), and the name each takes in a scenario's name.
SWEEPABLE = [("train", "mfu", "mfu"), ("train", "usd_per_hour", "train.usd_per_hour"),
             ("train", "power_w", "train.power_w"), ("train", "pue", "train.pue"),
             ("train", "gco2_per_kwh", "train.gco2_per_kwh"),
             ("serve", "prefill_mfu", "prefill_mfu"), ("serve", "decode_mfu", "decode_mfu"),
             ("serve", "usd_per_hour", "serve.usd_per_hour"),
             ("serve", "input_tokens", "input_tokens"), ("serve", "output_tokens", "output_tokens"),
             ("serve", "power_w", "serve.power_w"), ("serve", "pue", "serve.pue"),
             ("serve", "gco2_per_kwh", "serve.gco2_per_kwh")]


def scenario_names(table):
    """A [[hardware]] table's scenario names: its name, or one per combination of swept values
    ("h100 decode_mfu=0.02 serve.usd_per_hour=2", numbers as Python's repr minus a trailing
    ".0": the shortest round trip)."""
    names = [table["name"]]
    for side, key, label in SWEEPABLE:
        spec = table.get(side, {}).get(key)
        if isinstance(spec, dict):
            names = [f"{n} {label}={float(v)!r}".removesuffix(".0") for n in names
                     for v in spec["values"]]
    return names


def declared_problems(cfg, axes):
    """(dimensions, variables) of every problem the config asks for: the optima of the declared
    loss_target, budget and spread axes (under law samples the quantiles of the first two), the
    dense grids listed in [output] dense (by default, every grid whose axes are declared but
    NAMED_ONLY). Variables map to their dimensions: a quantile problem's feasible fraction has
    all but the first."""
    if "samples" in cfg["law"]:
        problems = [(("quantile",) + OPTIMA[axis][0],
                     {**{prefix + v + "_quantile": ("quantile",) + OPTIMA[axis][0] for v in numbers},
                      fraction: OPTIMA[axis][0]})
                    for axis, (prefix, numbers, fraction) in QUANTILES.items() if axis in axes]
    else:
        problems = [(dims, {v: dims for v in variables + [status]})
                    for axis, (dims, variables, status) in OPTIMA.items() if axis in axes]
    dense = cfg.get("output", {}).get("dense")
    for grid, (dims, variables) in DENSE.items():
        if (grid in dense) if dense is not None else (grid not in NAMED_ONLY and
                                                      all(d in axes for d in dims)):
            problems.append((dims, {v: dims for v in variables}))
    return problems


def dimension_names(dataset):
    return tuple(dim[0].name.lstrip("/") for dim in dataset.dims)


def test_configs_are_shipped():
    names = {c.name for c in CONFIGS}
    assert {"sardana2024-fig1.toml", "lesson.toml", "hardware-compare.toml",
            "price-decode-sensitivity.toml"} <= names


@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
def test_config_runs_into_what_it_declares(tmp_path, scalesweep, config):
    cfg = tomllib.loads(config.read_text())
    axes = declared_axes(cfg)
    problems = declared_problems(cfg, axes)
    variables = {v: dims for _, names in problems for v, dims in names.items()}
    cells = sum(int(np.prod([len(axes[d]) for d in dims])) for dims, _ in problems)
    # [constraints] (SPEC §5.2): N_max per scenario, and with loss targets whether the Chinchilla
    # model fits; the optima may then sit on the bound (status constrained).
    if "constraints" in cfg:
        variables["opt_N_max"] = ("hardware",)
        if "loss_target" in axes:
            variables["chinchilla_fits"] = ("hardware", "T", "loss_target")
    settled = ("ok", "constrained") if "constraints" in cfg else ("ok",)

    plan = scalesweep.json("validate", config)
    assert plan["cells"] == cells
    out = tmp_path / (config.stem + ".h5")
    run = scalesweep.json("run", config, "-o", out, "--backend", "cpu", "--quiet")
    assert run["cells"] == cells

    with h5py.File(out, "r") as f:
        for name, points in axes.items():
            if name == "hardware":
                assert list(f["hardware"].asstr()[()]) == points
            else:
                # Listed values exactly; linear and log10 points to 1e-13: numpy's linspace rounds
                # in another order, and a few ulp in an exponent of at most 25 is < 1e-13 relative.
                declared = cfg["axes"].get("T" if name == "T_plan" else name, {"values": 0})
                rtol = 0 if "values" in declared else 1e-13
                np.testing.assert_allclose(f[name][()], points, rtol=rtol, atol=0, err_msg=name)
        written = {n for n, o in f.items()
                   if isinstance(o, h5py.Dataset) and n not in axes and n != "sample"}
        assert written == set(variables), config.name
        for variable, dims in variables.items():
            ds = f[variable]
            assert dimension_names(ds) == dims, variable
            assert ds.shape == tuple(len(axes[d]) for d in dims), variable
        for name in (v for v in variables if v.endswith("_quantile")):
            levels = f[name][()]  # quantiles of the feasible samples: finite and ordered in q
            assert np.all(np.isfinite(levels)) and np.all(np.diff(levels, axis=0) >= 0), name
        for name in (v for v in variables if v.endswith("_feasible_fraction")):
            assert np.all((f[name][()] >= 0) & (f[name][()] <= 1)), name
        sampled = "samples" in cfg["law"]
        for _dims, numbers, status in (OPTIMA[a] for a in OPTIMA if a in axes and not sampled):
            flags = f[status]
            names = flags.attrs["flag_meanings"].split()
            counts = np.bincount(flags[()].ravel(), minlength=len(names))
            assert dict(zip(names, counts.tolist())) == run["statuses"][status], status
            assert sum(counts[names.index(n)] for n in settled) == flags.size, \
                f"{status}: some cells neither {' nor '.join(settled)}"
            if "constraints" in cfg:  # a shipped constraint binds somewhere
                assert counts[names.index("constrained")] > 0, status
            for v in numbers:  # an ok cell holds a finite positive number (serving T = 0 and
                # the regret of a spread of 1 or of T = 0: 0)
                assert np.all(np.isfinite(f[v][()])), v
                zero_allowed = v.endswith(("serve_cost", "regret"))
                assert np.all(f[v][()] >= 0 if zero_allowed else f[v][()] > 0), v

    # The file opens in xarray with the same named dimensions, and scenarios are selected by name.
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        for variable, dims in variables.items():
            assert ds[variable].dims == dims, variable
        check_selection_by_name(ds, axes)
    import scalesweep
    with scalesweep.open(out) as ds:
        check_selection_by_name(ds, axes, one_call=True)
    check_units_with_udunits(out)
    check_hardware_names_with_ncdump(out, axes["hardware"])


def check_selection_by_name(ds, axes, one_call=False):
    """SPEC §5.6: ds.sel(hardware=NAME) on the file as xarray opens it, and NAME with a nearest
    loss target (or budget, or T). Plain xarray applies `method` to every label of a sel call and
    pandas has no nearest string, so there it takes two calls; scalesweep.open (`one_call`)
    gives the hardware coordinate an index that selects names exactly in one call."""
    target = next(a for a in ("loss_target", "budget", "T", "N") if a in axes)
    values = axes[target]
    between = float(values[0] + 0.4 * (values[1] - values[0])) if len(values) > 1 else float(values[0])
    for h, name in enumerate(axes["hardware"]):
        one = ds.sel(hardware=name)
        assert one.sizes.get("hardware") is None and str(one.hardware.values) == name
        if one_call:
            cell = ds.sel(hardware=name, **{target: between}, method="nearest")
        else:
            cell = ds.sel(hardware=name).sel(**{target: between}, method="nearest")
        assert float(cell[target]) == values[0], (name, target)  # nearer the first point
        variable = next(v for v in ds.data_vars if ds[v].dims[:1] == ("hardware",)
                        and target in ds[v].dims)
        expected = ds[variable].isel(hardware=h, **{target: 0})
        np.testing.assert_array_equal(cell[variable].values, expected.values)


def check_units_with_udunits(path):
    """Every `units` attribute parses with UDUNITS-2 (Debian udunits-bin), counts and losses as
    dimensionless "1"; the one exception is "USD" (money has no UDUNITS-2 unit: README "Result
    files")."""
    udunits2 = shutil.which("udunits2")
    if udunits2 is None:
        pytest.skip("udunits2 (Debian udunits-bin, scripts/install-deps.sh) is not installed")
    with h5py.File(path, "r") as f:
        units = {f[n].attrs["units"] for n in f if isinstance(f[n], h5py.Dataset) and "units" in f[n].attrs}
    for u in units - {"USD"}:
        proc = subprocess.run([udunits2, "-H", u, "-W", ""], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, (u, proc.stderr)
        assert proc.stdout.strip() == "1", (u, proc.stdout)  # every scalesweep unit is a count


def check_hardware_names_with_ncdump(path, names):
    """netCDF-C (Debian netcdf-bin) reads the hardware coordinate as the strings written
    (ECOSYSTEM.md: fixed-length strings would read wrong there)."""
    ncdump = shutil.which("ncdump")
    if ncdump is None:
        pytest.skip("ncdump (Debian netcdf-bin, scripts/install-deps.sh) is not installed")
    header = subprocess.run([ncdump, "-h", path], capture_output=True, text=True, check=True).stdout
    assert "\tstring hardware(hardware) ;" in header
    assert '\t\tstring :Conventions = "CF-1.8" ;' in header
    data = subprocess.run([ncdump, "-v", "hardware", path], capture_output=True, text=True,
                          check=True).stdout
    start = data.index(" hardware = ") + len(" hardware = ")
    listed = data[start:data.index(" ;", start)]
    assert [n.strip().strip('"') for n in listed.replace("\n", " ").split(",")] == names


def test_readme_a100_config_holds_the_reference_readme_cell(tmp_path, scalesweep):
    """configs/sardana2024-readme-a100.toml: its cell at loss 1.947 and 1e10 requests of 1250
    tokens is the reference code's README usd example, N* = 2.053e10, D* = 3.302e12, 60.23 % of
    the Chinchilla model's parameters, 88.76 % of its cost (printed to 4 digits: half a unit in the
    last is the tolerance)."""
    out = tmp_path / "a100.h5"
    scalesweep("run", SOURCE_DIR / "configs" / "sardana2024-readme-a100.toml", "-o", out, "--quiet")
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        c = ds.sel(hardware="a100-readme", T=1.25e13, loss_target=1.947)
        assert float(c.opt_N) == pytest.approx(2.053e10, abs=0.0005e10)
        assert float(c.opt_D) == pytest.approx(3.302e12, abs=0.0005e12)
        assert float(100 * c.opt_N / c.chinchilla_N) == pytest.approx(60.23, abs=0.005)
        assert float(100 * c.opt_cost / c.chinchilla_cost) == pytest.approx(88.76, abs=0.005)
