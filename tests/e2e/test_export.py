"""`scalesweep export RESULT.h5 --problem P --csv`: for every problem of every shipped config's
result, the CSV read by pandas holds the HDF5 values bitwise (doubles print shortest round-trip,
which pandas' default parser reads back exactly), one row per cell in row-major order,
statuses as their flag_meanings words, the header "name [units]" from the file's CF units.
Unfinished runs and shard parts are refused unless --allow-incomplete, which exports only the
cells of written chunks."""
import shutil

import h5py
import numpy as np
import pandas as pd
import pytest

from conftest import SOURCE_DIR
from run_configs import write_config

CONFIGS = sorted((SOURCE_DIR / "configs").glob("*.toml"))
# The first variable of each problem, by its name on the command line.
PROBLEMS = {"dense-loss": "loss", "dense-cost": "cost", "budget-curve": "budget_curve_loss",
            "loss-target": "opt_N", "budget": "budget_N",
            "loss-target-quantiles": "opt_N_quantile", "budget-quantiles": "budget_N_quantile"}
VARIABLES = {  # SPEC §4 and §5.6, in the schema's order
    "dense-loss": ["loss"],
    "dense-cost": ["cost"],
    "budget-curve": ["budget_curve_loss", "budget_curve_D"],
    "loss-target": [p + v for p in ("opt_", "chinchilla_") for v in
                    ("N", "D", "tokens_per_param", "cost", "train_cost", "serve_cost")] + ["opt_status"],
    "budget": [p + v for p in ("budget_", "budget_chinchilla_") for v in
               ("N", "D", "tokens_per_param", "loss", "train_cost", "serve_cost")] + ["budget_status"],
    # SPEC §5.5: the feasible fraction has every dimension but `quantile`, so the CSV repeats it
    # on each level's row.
    "loss-target-quantiles": [f"opt_{v}_quantile" for v in ("N", "D", "cost", "saving", "N_ratio")]
    + ["opt_feasible_fraction"],
    "budget-quantiles": [f"budget_{v}_quantile" for v in ("N", "D", "loss")]
    + ["budget_feasible_fraction"],
}


def read_csv(path):
    # pandas >= 3 parses every double correctly rounded by default (float_precision is deprecated);
    # the comparisons below are bitwise, so a parser that is not would fail them.
    return pd.read_csv(path, keep_default_na=False, na_values=["NaN"])


def header(f, name):
    units = f[name].attrs.get("units")
    units = units.decode() if isinstance(units, bytes) else units
    is_status = "flag_meanings" in f[name].attrs
    return name if units is None or is_status else f"{name} [{units}]"


def check_export(f, frame, problem):
    """The frame holds every cell of `problem` of the open file f, row-major, bitwise."""
    variables = VARIABLES[problem]
    dims = tuple(d[0].name.lstrip("/") for d in f[variables[0]].dims)
    assert list(frame.columns) == [header(f, n) for n in (*dims, *variables)]
    shape = f[variables[0]].shape
    assert len(frame) == int(np.prod(shape))
    grids = np.meshgrid(*[np.arange(n) for n in shape], indexing="ij")
    for d, dim in enumerate(dims):
        values = f[dim].asstr()[()] if dim == "hardware" else f[dim][()]
        column = frame[header(f, dim)].to_numpy()
        expected = np.asarray(values)[grids[d].ravel()]
        if dim == "hardware":
            assert list(column) == list(expected)
        else:
            assert column.dtype == np.float64 and np.array_equal(column.view(np.uint64),
                                                                 expected.view(np.uint64)), dim
    for name in variables:
        stored = np.broadcast_to(f[name][()], shape).ravel()
        column = frame[header(f, name)].to_numpy()
        if "flag_meanings" in f[name].attrs:
            meanings = np.array(f[name].attrs["flag_meanings"].split())
            assert list(column) == list(meanings[stored]), name
        else:
            # Bitwise: every double, NaN included (the writer's NaN and pandas' have one bit pattern
            # each; compared as "both NaN" so that the payload does not matter).
            both_nan = np.isnan(column) & np.isnan(stored)
            assert column.dtype == np.float64, name
            assert np.array_equal(column.view(np.uint64)[~both_nan],
                                  stored.view(np.uint64)[~both_nan]), name
            assert np.array_equal(np.isnan(column), np.isnan(stored)), name


@pytest.mark.parametrize("config", CONFIGS, ids=[c.stem for c in CONFIGS])
def test_every_problem_of_every_shipped_config_round_trips_bitwise(tmp_path, scalesweep, config):
    out = tmp_path / (config.stem + ".h5")
    scalesweep("run", config, "-o", out, "--backend", "cpu", "--quiet")
    exported = 0
    with h5py.File(out, "r") as f:
        for problem, first in PROBLEMS.items():
            if first not in f:
                continue
            csv = tmp_path / f"{problem}.csv"
            scalesweep("export", out, "--problem", problem, "--csv", "-o", csv)
            check_export(f, read_csv(csv), problem)
            exported += 1
    assert exported > 0


def test_standard_output_and_the_underscore_spelling(tmp_path, scalesweep):
    cfg = write_config(tmp_path)
    out = tmp_path / "r.h5"
    scalesweep("run", cfg, "-o", out, "--quiet")
    text = scalesweep("export", out, "--problem", "loss_target", "--csv").stdout
    (tmp_path / "s.csv").write_text(text)
    with h5py.File(out, "r") as f:
        check_export(f, read_csv(tmp_path / "s.csv"), "loss-target")


def test_unfinished_and_shard_files_are_refused_unless_asked(tmp_path, scalesweep):
    cfg = write_config(tmp_path)
    whole, part = tmp_path / "whole.h5", tmp_path / "part.h5"
    scalesweep("run", cfg, "-o", whole, "--quiet")
    scalesweep("run", cfg, "--shard", "1/3", "-o", part, "--quiet")
    unfinished = tmp_path / "u.h5.partial"
    shutil.copy(part, unfinished)
    for path, words in ((part, "is part 1/3 of a sharded run"), (unfinished, "is an unfinished run")):
        proc = scalesweep("export", path, "--problem", "loss-target", "--csv", "-o", tmp_path / "x.csv",
                          check=False)
        assert proc.returncode == 2 and words in proc.stderr and "--allow-incomplete" in proc.stderr
        assert not (tmp_path / "x.csv").exists()
    # Allowed: only the cells of written chunks (part 1 holds one of the two of the loss-target
    # optima), each equal to the whole run's row.
    proc = scalesweep("export", part, "--problem", "loss-target", "--csv", "--allow-incomplete",
                      "-o", tmp_path / "p.csv")
    assert "cells of chunks no run has written" in proc.stderr
    scalesweep("export", whole, "--problem", "loss-target", "--csv", "-o", tmp_path / "w.csv")
    got, full = read_csv(tmp_path / "p.csv"), read_csv(tmp_path / "w.csv")
    assert 0 < len(got) < len(full)
    keys = ["hardware", "T [1]", "loss_target [1]"]
    merged = got.merge(full, on=keys, suffixes=("", "_whole"))
    assert len(merged) == len(got)
    for column in got.columns.difference(keys):
        a, b = merged[column].to_numpy(), merged[column + "_whole"].to_numpy()
        assert list(a) == list(b) if a.dtype == object else np.array_equal(a, b, equal_nan=True)


def test_bad_requests_are_refused_before_any_output(tmp_path, scalesweep):
    cfg = write_config(tmp_path)
    out = tmp_path / "r.h5"
    scalesweep("run", cfg, "-o", out, "--quiet")
    csv = tmp_path / "x.csv"
    cases = [
        (["--problem", "losstarget", "--csv"], "holds no 'losstarget' problem"),
        (["--problem", "budget"], "choose a format: --csv"),
    ]
    for args, words in cases:
        proc = scalesweep("export", out, *args, "-o", csv, check=False)
        assert proc.returncode == 2 and words in proc.stderr, proc.stderr
        assert not csv.exists()
    csv.write_text("kept")
    proc = scalesweep("export", out, "--problem", "budget", "--csv", "-o", csv, check=False)
    assert proc.returncode == 2 and "exists" in proc.stderr and csv.read_text() == "kept"
    scalesweep("export", out, "--problem", "budget", "--csv", "-o", csv, "--overwrite")
    with h5py.File(out, "r") as f:
        check_export(f, read_csv(csv), "budget")
