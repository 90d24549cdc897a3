"""scalesweep.open and its accessor: one problem's variables at a time, so that .to_dataframe()
spans that problem's cells only; the file checks of the package (format, shard parts, missing
files)."""
import shutil

import h5py
import numpy as np
import pytest

import scalesweep
from conftest import SOURCE_DIR
from scalesweep.schema import ATTRIBUTES, FORMAT_VERSION

# A frame of one problem of hardware-compare's result is far below this; the whole file's
# Cartesian product (every problem's dimensions at once) would be about 1.5e9 rows.
FRAME_LIMIT_BYTES = 100 * 2**20


@pytest.fixture(scope="module")
def hardware_compare(tmp_path_factory):
    out = tmp_path_factory.mktemp("hw") / "hw.h5"
    scalesweep.run(SOURCE_DIR / "configs" / "hardware-compare.toml", out)
    return out


def test_each_problem_is_its_own_frame(hardware_compare):
    with scalesweep.open(hardware_compare) as ds:
        acc = ds.scalesweep
        assert acc.problems == ["dense-cost", "loss-target", "budget"]
        sizes = {}
        for problem in acc.problems:
            sub = acc.problem(problem)
            dims = set().union(*(sub[v].dims for v in sub.data_vars))
            frame = sub.to_dataframe()
            assert len(frame) == int(np.prod([ds.sizes[d] for d in dims]))
            sizes[problem] = frame.memory_usage(deep=True).sum()
            assert sizes[problem] < FRAME_LIMIT_BYTES, (problem, sizes[problem])
        # The loss-target frame: one row per (hardware, T, loss target), its columns the problem's.
        frame = acc.problem("loss_target").to_dataframe()
        assert list(frame.index.names) == ["hardware", "T", "loss_target"]
        assert "opt_N" in frame and "budget_N" not in frame and "cost" not in frame
        first = frame.iloc[0]
        assert first["opt_N"] == ds["opt_N"].values[0, 0, 0]
    print("frame bytes per problem:", sizes)


def test_problem_names_and_errors(hardware_compare):
    with scalesweep.open(hardware_compare) as ds:
        assert list(ds.scalesweep.problem("cost").data_vars) == ["cost"]
        with pytest.raises(KeyError, match="holds no 'budget-curve' problem"):
            ds.scalesweep.problem("budget-curve")
        with pytest.raises(KeyError, match="no problem 'frontier'; problems are: dense-loss"):
            ds.scalesweep.problem("frontier")
        with pytest.raises(KeyError, match="holds no 'regret' problem"):  # a problem, not here
            ds.scalesweep.problem("regret")


def test_open_refuses_what_it_cannot_read(tmp_path, hardware_compare):
    with pytest.raises(scalesweep.ResultError, match="does not exist"):
        scalesweep.open(tmp_path / "none.h5")
    (tmp_path / "text.h5").write_text("not HDF5")
    with pytest.raises(scalesweep.ResultError, match="not a readable HDF5 file"):
        scalesweep.open(tmp_path / "text.h5")
    other = tmp_path / "other.h5"
    shutil.copy(hardware_compare, other)
    with h5py.File(other, "r+") as f:
        f.attrs[ATTRIBUTES["format_version"]] = FORMAT_VERSION + 1
    with pytest.raises(scalesweep.ResultError,
                       match=f"has result format {FORMAT_VERSION + 1}; this scalesweep package "
                             f"reads format {FORMAT_VERSION} only"):
        scalesweep.open(other)
