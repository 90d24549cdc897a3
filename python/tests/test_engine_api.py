"""scalesweep.optimum and scalesweep.run against the command line: the same flags as keywords, the
same JSON, the same files; errors and warnings of the command line as Python's."""
import warnings

import h5py
import numpy as np
import pytest

import scalesweep
from conftest import SOURCE_DIR


def test_optimum_equals_the_cli_bit_for_bit(cli):
    """The README's example; the CLI's JSON prints shortest round-trip doubles, so equal floats
    are the same double."""
    got = scalesweep.optimum(law="sardana2024", loss=1.947, inference_tokens=2e12)
    want = cli.json("optimum", "--law", "sardana2024", "--loss", "1.947",
                    "--inference-tokens", "2e12")
    assert got == want
    assert got["N"] == want["N"] and got["status"] == "ok"


def test_every_kind_of_flag_is_a_keyword(cli):
    """usd objective from flags: hardware fields (train_*/serve_*), requests with the token split,
    law constants overriding a preset, a budget problem."""
    kwargs = dict(law="sardana2024", alpha=0.34, budget=1e7, objective="usd", requests=1e10,
                  input_tokens=1000, output_tokens=250, train_gpu="A100-80GB", train_dtype="bf16",
                  train_mfu=0.5, train_usd_per_hour=1.4, serve_gpu="A100-40GB", serve_dtype="int8",
                  prefill_mfu=0.4, decode_mfu=0.2, serve_usd_per_hour=0.6)
    args = []
    for key, value in kwargs.items():
        args += ["--" + key.replace("_", "-"), str(value)]
    assert scalesweep.optimum(**kwargs) == cli.json("optimum", *args)


def test_bad_options_raise_value_error_with_the_cli_message():
    with pytest.raises(ValueError, match="give --loss L"):
        scalesweep.optimum(law="chinchilla")
    with pytest.raises(ValueError, match="unknown law preset 'chinchila'"):
        scalesweep.optimum(law="chinchila", loss=2.0)
    with pytest.raises(ValueError, match="--loss"):
        scalesweep.optimum(law="chinchilla", loss=-1.0)
    with pytest.raises(ValueError, match="train-mfoo"):
        scalesweep.optimum(law="chinchilla", loss=2.0, train_mfoo=0.3)


def test_warnings_are_python_warnings():
    """A loss target reached by a model of under one parameter: the CLI's warning on stderr,
    here a RuntimeWarning; the JSON still comes back."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = scalesweep.optimum(law="chinchilla", loss=1e6)
    assert r["status"] == "ok" and r["N"] < 1
    assert any("describe no model" in str(w.message) for w in caught)


CONFIG = {
    "title": "from a dict",
    "law": {"preset": "chinchilla"},
    "axes": {"T": {"values": [0.0, 1e10, 1e12]}, "loss_target": {"values": [2.0, 2.1, 2.2]}},
}


def test_run_from_a_dict_equals_the_cli_on_the_same_toml(tmp_path, cli):
    summary = scalesweep.run(CONFIG, out=tmp_path / "dict.h5", threads=1)
    assert summary["output"] == str(tmp_path / "dict.h5")
    assert summary["cells"] == 9 and summary["statuses"]["opt_status"]["ok"] == 9
    toml = tmp_path / "same.toml"
    toml.write_text('title = "from a dict"\n[law]\npreset = "chinchilla"\n[axes]\n'
                    "T = { values = [0.0, 1e10, 1e12] }\n"
                    "loss_target = { values = [2.0, 2.1, 2.2] }\n")
    cli("run", toml, "-o", tmp_path / "cli.h5", "--quiet", "--threads", "1")
    with h5py.File(tmp_path / "dict.h5") as a, h5py.File(tmp_path / "cli.h5") as b:
        for name in ("opt_N", "opt_D", "opt_cost", "opt_status"):
            assert np.array_equal(a[name][()], b[name][()]), name


def test_run_from_a_path_and_its_refusals(tmp_path):
    config = SOURCE_DIR / "configs" / "sardana2024-section2.toml"
    out = tmp_path / "s2.h5"
    summary = scalesweep.run(config, out)
    assert summary["cells"] > 0 and out.exists()
    with pytest.raises(ValueError, match="exists"):
        scalesweep.run(config, out)  # as the CLI: no overwrite without asking
    assert scalesweep.run(config, out, overwrite=True)["cells"] == summary["cells"]
    with pytest.raises(ValueError, match="alpah"):
        scalesweep.run({"law": {"preset": "chinchilla", "alpah": 0.3},
                        "axes": {"loss_target": {"values": [2.0]}}}, tmp_path / "bad.h5")
    assert not (tmp_path / "bad.h5").exists()
    with pytest.raises(ValueError, match="needs out="):
        scalesweep.run(CONFIG)
    with pytest.raises(ValueError, match="backend 'gpu'"):
        scalesweep.run(CONFIG, tmp_path / "x.h5", backend="gpu")


def test_a_config_warning_is_a_python_warning(tmp_path):
    config = {"law": {"preset": "chinchilla"},
              "axes": {"T": {"values": [0.0]}, "budget": {"values": [1.0, 10.0]}}}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scalesweep.run(config, tmp_path / "w.h5")
    assert any("axes.budget" in str(w.message) for w in caught), [str(w.message) for w in caught]


def test_status_names_follow_the_schema():
    names = scalesweep.status_names()
    assert names[0] == "ok" and "invalid_input" in names
    assert names == list(scalesweep.engine._engine().status_names())  # schema copy = C++ table
