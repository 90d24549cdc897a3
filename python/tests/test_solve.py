"""scalesweep.solve: arrays of cells, broadcast as numpy broadcasts them, equal bit for bit to what
`run` writes for the same cells (the same per-cell functions and SIMD lanes), whatever the layout
of the inputs; xarray in, xarray out; invalid cells flagged, not raised."""
import h5py
import numpy as np
import pytest
import xarray as xr

import scalesweep

# A grid with T = 0, T large enough to shrink models a lot, and loss targets from below E
# (infeasible) up: every status path of a sweep's cells.
T = np.concatenate([[0.0], np.logspace(6, 16, 23)])
LOSS = np.linspace(1.65, 3.0, 37)
BUDGET = {"flops": np.logspace(18, 26, 29), "usd": np.logspace(2, 10, 29)}  # FLOP; USD
LOSS_COLUMNS = {"N": "opt_N", "D": "opt_D", "cost": "opt_cost", "chinchilla_N": "chinchilla_N",
                "chinchilla_D": "chinchilla_D", "chinchilla_cost": "chinchilla_cost",
                "status": "opt_status"}
BUDGET_COLUMNS = {"N": "budget_N", "D": "budget_D", "loss": "budget_loss",
                  "chinchilla_N": "budget_chinchilla_N", "chinchilla_D": "budget_chinchilla_D",
                  "chinchilla_loss": "budget_chinchilla_loss", "status": "budget_status"}


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind == "f":
        return a.shape == b.shape and np.array_equal(a.view(np.uint64), b.view(np.uint64))
    return np.array_equal(a, b)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """`run` on the grid, flops objective and one usd scenario (through the package's run, which
    is the engine's: the CLI's equality with it is test_engine_api's business)."""
    d = tmp_path_factory.mktemp("runs")
    out = {}
    for name, extra in (("flops", {}),
                        ("usd", {"objective": {"kind": "usd"},
                                 "hardware": [{"name": "h", "preset": "sardana2024-default"}]})):
        config = {"law": {"preset": "sardana2024"}, **extra,
                  "axes": {"T": {"values": T.tolist()}, "loss_target": {"values": LOSS.tolist()},
                           "budget": {"values": BUDGET[name].tolist()}}}
        scalesweep.run(config, d / f"{name}.h5")
        with h5py.File(d / f"{name}.h5") as f:
            out[name] = {k: f[k][0] for k in (*LOSS_COLUMNS.values(), *BUDGET_COLUMNS.values())}
    return out


@pytest.mark.parametrize("objective", ["flops", "usd"])
def test_solve_equals_run_bit_for_bit(runs, objective):
    costs = {} if objective == "flops" else {"objective": "usd", "hardware": "sardana2024-default"}
    got = scalesweep.solve(law="sardana2024", loss=LOSS, inference_tokens=T[:, None], **costs)
    for column, variable in LOSS_COLUMNS.items():
        assert same_bits(got[column], runs[objective][variable]), column
    got = scalesweep.solve(law="sardana2024", budget=BUDGET[objective], inference_tokens=T[:, None],
                           **costs)
    for column, variable in BUDGET_COLUMNS.items():
        assert same_bits(got[column], runs[objective][variable]), column
    statuses = set(np.unique(runs[objective]["opt_status"]))
    assert {0, 1} <= statuses  # ok and infeasible cells both compared


def test_every_layout_of_the_same_cells_gives_the_same_bits():
    """Outer product, full arrays, transposed, paired 1-D, non-contiguous views and a threads
    count: the strides and per-value terms may differ, the cells may not."""
    ref = scalesweep.solve(law="chinchilla", loss=LOSS, inference_tokens=T[:, None])
    Lf, Tf = np.broadcast_arrays(LOSS[None, :], T[:, None])
    layouts = [
        dict(loss=Lf.copy(), inference_tokens=Tf.copy()),
        dict(loss=Lf.T.copy().T, inference_tokens=Tf),  # Fortran-ordered data
        dict(loss=Lf.ravel(), inference_tokens=Tf.ravel()),  # paired: T differs along rows
        dict(loss=np.repeat(LOSS, 2)[::2], inference_tokens=T[:, None], threads=1),
        dict(loss=LOSS[None, None, :], inference_tokens=T[None, :, None]),
    ]
    for kwargs in layouts:
        got = scalesweep.solve(law="chinchilla", **kwargs)
        for column, values in ref.items():
            assert same_bits(got[column].reshape(values.shape), values), (column, kwargs.keys())
    got = scalesweep.solve(law="chinchilla", loss=LOSS[:, None], inference_tokens=T)
    for column, values in ref.items():
        assert same_bits(got[column].T, values), column


def test_serving_constraints_equal_run_bit_for_bit(tmp_path):
    """The constraint keywords (optimum's flags) solve the constrained problems, as `run` does
    under [constraints]: one H100 serving at fp8 (N_max 6.4e10) and a latency target, so the
    bound binds (constrained) and rules out the lowest targets (infeasible)."""
    constraints = {"fit_memory": True, "max_seconds_per_token": 0.03}
    config = {"law": {"preset": "sardana2024"}, "objective": {"kind": "usd"},
              "hardware": [{"name": "h", "preset": "sardana2024-default"}],
              "constraints": {"memory": True, "max_seconds_per_token": 0.03},
              "axes": {"T": {"values": T.tolist()}, "loss_target": {"values": LOSS.tolist()},
                       "budget": {"values": BUDGET["usd"].tolist()}}}
    scalesweep.run(config, tmp_path / "c.h5")
    with h5py.File(tmp_path / "c.h5") as f:
        ran = {k: f[k][0] for k in (*LOSS_COLUMNS.values(), *BUDGET_COLUMNS.values())}
    costs = {"objective": "usd", "hardware": "sardana2024-default", **constraints}
    got = scalesweep.solve(law="sardana2024", loss=LOSS, inference_tokens=T[:, None], **costs)
    for column, variable in LOSS_COLUMNS.items():
        assert same_bits(got[column], ran[variable]), column
    got = scalesweep.solve(law="sardana2024", budget=BUDGET["usd"], inference_tokens=T[:, None],
                           **costs)
    for column, variable in BUDGET_COLUMNS.items():
        assert same_bits(got[column], ran[variable]), column
    assert {0, 1, 6} <= set(np.unique(ran["opt_status"]))  # ok, infeasible, constrained
    assert 6 in set(np.unique(ran["budget_status"]))
    # One cell against `optimum` with the same flags (its scalar path: 1e-14, as below).
    one = scalesweep.optimum(law="sardana2024", loss=1.82, inference_tokens=1e12, **costs)
    cell = scalesweep.solve(law="sardana2024", loss=1.82, inference_tokens=1e12, **costs)
    assert one["status"] == "constrained" and int(cell["status"]) == 6
    assert float(cell["N"]) == one["N"] and float(cell["D"]) == pytest.approx(one["D"], rel=1e-14)


def test_one_cell_agrees_with_optimum():
    """The README's cell: the lanes' exp/log (libmvec, <= 4 ulp) against the scalar path of
    `optimum`, so to 1e-14 relative, not bitwise (measured: a few 1e-16)."""
    one = scalesweep.optimum(law="sardana2024", loss=1.947, inference_tokens=2e12)
    cell = scalesweep.solve(law="sardana2024", loss=1.947, inference_tokens=2e12)
    assert cell["N"].shape == () and cell["status"] == 0
    for key in ("N", "D", "cost"):
        assert float(cell[key]) == pytest.approx(one[key], rel=1e-14)
    assert float(cell["chinchilla_N"]) == pytest.approx(one["chinchilla"]["N"], rel=1e-14)


def test_demand_per_request_uses_the_scenario_split():
    """requests with the token split, as `optimum` takes them: T = R (I + O), and the split prices
    prefill and decode."""
    kwargs = dict(law="sardana2024", objective="usd", hardware="sardana2024-readme-a100")
    one = scalesweep.optimum(loss=2.0, requests=1e10, input_tokens=300, output_tokens=700, **kwargs)
    cells = scalesweep.solve(loss=2.0, requests=[1e9, 1e10], input_tokens=300, output_tokens=700,
                             **kwargs)
    assert float(cells["N"][1]) == pytest.approx(one["N"], rel=1e-14)
    assert float(cells["cost"][1]) == pytest.approx(one["cost"], rel=1e-14)


def test_invalid_cells_are_flagged_and_the_rest_solved():
    names = scalesweep.status_names()
    cells = scalesweep.solve(law="chinchilla", loss=[2.0, np.nan, 1.5, 2.0, 2.0],
                             inference_tokens=[1e12, 1e12, 1e12, -1.0, np.inf])
    assert [names[s] for s in cells["status"]] == ["ok", "invalid_input", "infeasible",
                                                   "invalid_input", "invalid_input"]
    assert np.isfinite(cells["N"][0]) and np.isnan(cells["N"][1:]).all()


def test_xarray_in_xarray_out():
    loss = xr.DataArray(LOSS, dims="loss_target", coords={"loss_target": LOSS})
    tokens = xr.DataArray(T, dims="T", coords={"T": T})
    ds = scalesweep.solve(law="chinchilla", loss=loss, inference_tokens=tokens)
    assert isinstance(ds, xr.Dataset) and ds["N"].dims == ("loss_target", "T")
    ref = scalesweep.solve(law="chinchilla", loss=LOSS[:, None], inference_tokens=T)
    assert same_bits(ds["N"].values, ref["N"]) and same_bits(ds["status"].values, ref["status"])
    cell = ds.sel(T=1e16, loss_target=LOSS[10])
    assert float(cell["N"]) == ref["N"][10, -1]
    assert ds["status"].attrs["flag_meanings"].split()[0] == "ok"


def test_bad_requests_raise():
    with pytest.raises(ValueError, match="one of them"):
        scalesweep.solve(law="chinchilla", loss=2.0, budget=1e20)
    with pytest.raises(ValueError, match="do not broadcast"):
        scalesweep.solve(law="chinchilla", loss=[2.0, 2.1], inference_tokens=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="unknown law preset"):
        scalesweep.solve(law="nope", loss=2.0)
    with pytest.raises(ValueError, match="--objective usd needs --hardware"):
        scalesweep.solve(law="chinchilla", loss=2.0, objective="usd")
    with pytest.raises(ValueError, match="requests= needs"):
        scalesweep.solve(law="chinchilla", loss=2.0, requests=[1.0])
    with pytest.raises(ValueError, match="not both"):
        scalesweep.solve(law="chinchilla", loss=2.0, requests=[1.0], inference_tokens=1e9,
                         input_tokens=1, output_tokens=1)
    training_only = scalesweep.solve(law="chinchilla", loss=[2.0, 2.2])  # T = 0 by default
    assert np.array_equal(training_only["N"], training_only["chinchilla_N"])
