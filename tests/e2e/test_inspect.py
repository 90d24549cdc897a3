"""`scalesweep inspect`: a human summary, and --json that round-trips the file's axes and
attributes (compared with what h5py reads)."""
import json
import resource
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import SOURCE_DIR, chunk_cells, interrupt_slow_run
from run_configs import write_config


@pytest.fixture(scope="module")
def result(tmp_path_factory, scalesweep):
    d = tmp_path_factory.mktemp("inspect")
    cfg = write_config(d, extra='dtype = { cost = "float32" }')
    scalesweep("run", cfg, "-o", d / "r.h5", "--quiet")
    return d / "r.h5"


def test_json_round_trips_axes_and_attributes(scalesweep, result):
    info = scalesweep.json("inspect", result)
    with h5py.File(result, "r") as f:
        assert info["format_version"] == f.attrs["scalesweep_format_version"] == 2
        assert set(info["attributes"]) == set(f.attrs)
        for name, value in f.attrs.items():
            got = info["attributes"][name]
            if isinstance(value, np.ndarray):
                assert list(value) == got, name
            elif isinstance(value, (float, np.floating)):
                assert got == float(value), name
            else:
                assert got == value, name
        for axis in ["T", "N", "D", "loss_target", "budget"]:
            assert info["axes"][axis]["values"] == list(f[axis][()]), axis
            assert info["axes"][axis]["units"] == f[axis].attrs["units"]
            assert info["axes"][axis]["size"] == f[axis].shape[0]
        assert info["axes"]["hardware"]["values"] == list(f["hardware"].asstr()[()]) == ["h100", "l40s"]
        assert info["axes"]["hardware"]["dtype"] == "string" and "units" not in info["axes"]["hardware"]
        for var in ["cost", "opt_N", "budget_status", "budget_curve_loss"]:
            v = info["variables"][var]
            names = [f[ref[0]].name.lstrip("/") for ref in f[var].attrs["DIMENSION_LIST"]]
            assert v["dims"] == names and v["shape"] == list(f[var].shape), var
        assert info["variables"]["cost"]["dtype"] == "float32"
        assert info["variables"]["opt_status"]["dtype"] == "uint8"
        counts = info["variables"]["opt_status"]["status_counts"]
        assert sum(counts.values()) == f["opt_status"].size
        assert counts["ok"] == int((f["opt_status"][()] == 0).sum())
    assert info["progress"]["complete"] is True and info["progress"]["shard"] == "1/1"
    assert counts["unwritten"] == 0


def test_a_one_point_axis_reads_as_one_value(tmp_path, scalesweep):
    cfg = tmp_path / "one.toml"
    cfg.write_text('[law]\npreset = "sardana2024"\n[axes]\nT = { values = [0] }\n'
                   'loss_target = { values = [2.0] }\n')
    plan = scalesweep("run", cfg, "-o", tmp_path / "one.h5").stdout
    assert "  loss_target: 1 point (values) 2 nats" in plan.splitlines()
    assert ": 1 cell in 1 tile of (1, 1, 1)" in plan and "total: 1 cell; output" in plan
    out = scalesweep("inspect", tmp_path / "one.h5").stdout.splitlines()
    # The file's units are "1" for counts and losses: inspect shows the long name instead.
    assert ("  loss_target         1 point   2 (values): target pre-training loss (cross-entropy "
            "per token, natural log)") in out
    assert "  T                   1 point   0 (values): lifetime inference tokens (input + output)" in out


def test_text_summary(scalesweep, result):
    out = scalesweep("inspect", result).stdout
    assert "scalesweep result (format 2)" in out and "progress: complete" in out
    assert "law: epoch2024" in out and "objective: usd (costs in USD)" in out
    assert "hardware" in out and "h100, l40s" in out
    # One line per scenario with its resolved numbers: SPEC §1.3's reference defaults, and the
    # L40S serving preset, whose decode MFU scales the reference 0.01 by the GPUs' bandwidth /
    # fp8-peak ratios, 0.01 (864/733) / (3350/1979) = 0.00696, printed as 0.007.
    assert ("train H100-SXM bf16, peak_flops 9.89e+14 FLOP/s, mfu 0.5, usd_per_hour 2 USD/h, "
            "power_w 700 W, pue 1; serve H100-SXM fp8") in out
    assert ("serve L40S fp8, peak_flops 7.33e+14 FLOP/s, prefill_mfu 0.5, decode_mfu 0.007, "
            "usd_per_hour 0.8 USD/h, input_tokens 70 tokens, output_tokens 215 tokens, power_w 350 W") in out
    assert "opt_status: ok" in out
    assert "cost                     (hardware, T, N, D)" in out


def test_partial_file_shows_progress(tmp_path, scalesweep, binary):
    cfg = write_config(tmp_path)
    interrupt_slow_run(binary, cfg, tmp_path / "p.h5")
    out = scalesweep("inspect", tmp_path / "p.h5.partial").stdout
    # The command that continues it: the one that started it (its flags decide what the file
    # holds), with --resume; shown as data, since it comes from the file (issue 18).
    assert "chunks written (an unfinished run: run the command that started it again, with --resume)" in out
    assert (f"recorded command: {binary} run {cfg} -o {tmp_path / 'p.h5'} --quiet --threads 1 "
            "--tile-cells 512\n") in out
    # Asking for the finished name while only the partial file exists points at the partial file.
    missing = scalesweep("inspect", tmp_path / "p.h5", check=False)
    assert missing.returncode == 2
    assert f"hint: a run that has not finished writes '{tmp_path / 'p.h5.partial'}'" in missing.stderr
    # Unwritten cells read back as 0 (= ok): they are counted apart, from the progress record.
    assert "not yet computed" in out
    info = scalesweep.json("inspect", tmp_path / "p.h5.partial")
    assert info["progress"]["partial_file"] is True and info["progress"]["complete"] is False
    check_counts_against_the_record(tmp_path / "p.h5.partial", info)


def unwritten_cells(f, variable):
    """Cells of `variable` in chunks its progress record marks not done, from h5py alone."""
    for name in f["_scalesweep"]:
        record = f["_scalesweep"][name]
        if variable in list(record.attrs["variables"]):
            return chunk_cells(f[variable], np.flatnonzero(record[()] == 0))
    raise AssertionError(f"no progress record lists {variable}")


def check_counts_against_the_record(path, info):
    unwritten = 0
    with h5py.File(path, "r") as f:
        for status in ("opt_status", "budget_status"):
            counts = info["variables"][status]["status_counts"]
            assert counts["unwritten"] == unwritten_cells(f, status), status
            assert sum(counts.values()) == f[status].size, status
            unwritten += counts["unwritten"]
    assert unwritten > 0  # an unfinished run or one part: some chunks of an optimum are missing


def test_shard_part_is_complete_and_counts_only_its_chunks(tmp_path, scalesweep):
    cfg = write_config(tmp_path)
    scalesweep("run", cfg, "-o", tmp_path / "part.h5", "--shard", "1/2", "--quiet")
    out = scalesweep("inspect", tmp_path / "part.h5").stdout
    assert "progress: shard 1/2 complete" in out and "scalesweep merge" in out
    # The other shard's cells are not "yet" to be computed in this file: they belong to the other part.
    opt_line = next(l for l in out.splitlines() if l.startswith("opt_status:"))
    assert "; in other parts " in opt_line and "not yet computed" not in out
    info = scalesweep.json("inspect", tmp_path / "part.h5")
    assert info["progress"]["shard"] == "1/2" and info["progress"]["partial_file"] is False
    check_counts_against_the_record(tmp_path / "part.h5", info)


@pytest.mark.parametrize("content,message", [
    (None, "does not exist"),
    (b"junk", "is not an HDF5 file"),
])
def test_bad_files(tmp_path, scalesweep, content, message):
    path = tmp_path / "x.h5"
    if content is not None:
        path.write_bytes(content)
    proc = scalesweep("inspect", path, check=False)
    assert proc.returncode == 2 and message in proc.stderr


def test_hdf5_that_is_not_a_result(tmp_path, scalesweep):
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = np.arange(3)
    proc = scalesweep("inspect", tmp_path / "other.h5", check=False)
    assert proc.returncode == 2 and "is not a scalesweep result" in proc.stderr


def test_file_without_creation_order_still_lists_everything(tmp_path, scalesweep, result):
    """A copy made by another tool may not track creation order: names order the listing."""
    copy = tmp_path / "copy.h5"
    with h5py.File(result, "r") as src, h5py.File(copy, "w", track_order=False) as dst:
        for name in src:
            if isinstance(src[name], h5py.Dataset):
                src.copy(name, dst)
        for key, value in src.attrs.items():
            dst.attrs[key] = value
    info = scalesweep.json("inspect", copy)
    assert {"opt_N", "cost"} <= set(info["variables"]) and "hardware" in info["axes"]
    assert set(info["attributes"]) == set(h5py.File(result, "r").attrs)
    out = scalesweep("inspect", copy).stdout
    assert "opt_N" in out and "law: epoch2024" in out


@pytest.mark.parametrize("damage", ["variables_not_strings", "record_too_long", "flag_2"])
def test_damaged_progress_record_is_named_bad_input(tmp_path, scalesweep, damage):
    """inspect counts chunks and cells from the progress record: one that is not a 0/1 flag per
    chunk of named variables is a damaged file (exit 2), not an internal error or wrong counts."""
    cfg = write_config(tmp_path)
    part = tmp_path / "part.h5"
    scalesweep("run", cfg, "--shard", "1/2", "-o", part, "--quiet")
    with h5py.File(part, "a") as f:
        record = f["_scalesweep/done_0"]
        if damage == "variables_not_strings":
            record.attrs["variables"] = 7
        else:
            done, attrs = record[()], dict(record.attrs)
            del f["_scalesweep/done_0"]
            new = np.concatenate([done, done]) if damage == "record_too_long" else done * 2
            f["_scalesweep/done_0"] = new.astype(np.uint8)
            for key, value in attrs.items():
                f["_scalesweep/done_0"].attrs[key] = value
    proc = scalesweep("inspect", part, check=False)
    assert proc.returncode == 2, proc.stderr
    assert f"'{part}' is damaged or not a scalesweep result" in proc.stderr, proc.stderr


def test_files_of_the_previous_format_are_refused_with_what_to_do(tmp_path, scalesweep, binary):
    """Format 2 (SPEC §5.6) changed the hardware coordinate and added variables: a format-1 file
    is refused by every reader, with both versions named and what to do (re-run the config)."""
    cfg = write_config(tmp_path)
    old = tmp_path / "old.h5"
    scalesweep("run", cfg, "-o", old, "--shard", "1/2", "--quiet")
    scalesweep("run", cfg, "-o", tmp_path / "p2.h5", "--shard", "2/2", "--quiet")
    interrupt_slow_run(binary, cfg, tmp_path / "r.h5")
    for path in (old, tmp_path / "r.h5.partial"):
        with h5py.File(path, "a") as f:
            f.attrs["scalesweep_format_version"] = np.int64(1)
    reads_format = "has result format 1; this scalesweep ("
    for args in (["inspect", old], ["merge", old, tmp_path / "p2.h5", "-o", tmp_path / "m.h5"],
                 ["run", cfg, "-o", tmp_path / "r.h5", "--resume", "--quiet"]):
        proc = scalesweep(*args, check=False)
        assert proc.returncode == 2, (args, proc.stderr)
        assert reads_format in proc.stderr and ") reads format 2 only" in proc.stderr, proc.stderr
    assert "hint: re-run its config with this scalesweep" in scalesweep("inspect", old, check=False).stderr
    assert not (tmp_path / "m.h5").exists() and not (tmp_path / "m.h5.partial").exists()
    # The Python reader (scalesweep.open) refuses it too.
    import scalesweep
    with pytest.raises(scalesweep.ResultError, match="has result format 1; this scalesweep package "
                                                     "reads format 2 only"):
        scalesweep.open(old)


def test_a_file_holding_only_the_format_attribute_is_not_a_result(tmp_path, scalesweep, result):
    """It read as an empty result (exit 0, no law, config or axes)."""
    lone = tmp_path / "lone.h5"
    with h5py.File(result, "r") as src, h5py.File(lone, "w") as f:
        f.attrs["scalesweep_format_version"] = src.attrs["scalesweep_format_version"]
    for json_flag in ([], ["--json"]):
        proc = scalesweep("inspect", lone, *json_flag, check=False)
        assert proc.returncode == 2 and proc.stdout == "", proc
        assert f"'{lone}' is not a scalesweep result (no 'scalesweep_version' attribute)" in proc.stderr


def test_status_names_other_than_the_formats_are_damage(tmp_path, scalesweep, result):
    """inspect names a status variable's counts by the file's flag_meanings, a text in HDF5's
    unchecksummed global heap: a changed byte there (random mutation, seed 19, found one) printed
    counts under a status that does not exist. The names are the format's, so another text is
    refused as damage."""
    damaged = tmp_path / "damaged.h5"
    damaged.write_bytes(result.read_bytes())
    with h5py.File(damaged, "r+") as f:
        meanings = f["opt_status"].attrs["flag_meanings"]
        assert "constrained" in meanings
        f["opt_status"].attrs["flag_meanings"] = meanings.replace("constrained", "constraine3")
    for json_flag in ([], ["--json"]):
        proc = scalesweep("inspect", damaged, *json_flag, check=False)
        assert proc.returncode == 2 and proc.stdout == "", proc
        assert "the flag_meanings of 'opt_status' are not scalesweep's statuses" in proc.stderr
    assert scalesweep("inspect", result).returncode == 0


def test_thousands_of_attributes_are_read_in_one_pass(tmp_path, scalesweep, result):
    """4,000 extra root attributes took 42 s: each was looked up by its index, which HDF5's dense
    attribute storage answers by listing them all (quadratic). One pass lists them in well under a
    second; the bound leaves a loaded test machine a factor of 30."""
    many = tmp_path / "many.h5"
    many.write_bytes(result.read_bytes())
    with h5py.File(many, "a") as f:
        for i in range(4000):
            f.attrs[f"extra_{i:04d}"] = i
    start = time.monotonic()
    info = scalesweep.json("inspect", many)
    assert time.monotonic() - start < 30
    extras = [k for k in info["attributes"] if k.startswith("extra_")]
    assert extras == [f"extra_{i:04d}" for i in range(4000)]  # creation order, all of them


def limit_memory(gib):
    return lambda: resource.setrlimit(resource.RLIMIT_AS, (gib << 30, gib << 30))


@pytest.mark.parametrize("record", ["unwritten", "claimed_done", "not_matching"])
def test_a_huge_declared_grid_costs_neither_memory_nor_time(tmp_path, scalesweep, result, record):
    """A 41 KB file declaring unallocated optima of shape (1, 1e5, 1e5) took 10 GB and 45 s (or
    std::bad_alloc under a memory cap): inspect read every declared cell. Now it counts chunk by
    chunk, and only chunks recorded done: unwritten ones are counted without a read, a chunk
    recorded done without data is a damaged file, and a record that does not match the grid too.
    Run with 2 GiB of address space (the reading child adds to the parent's)."""
    huge = tmp_path / "huge.h5"
    huge.write_bytes(result.read_bytes())
    shape, chunks = (1, 100_000, 100_000), (1, 1000, 1000)
    with h5py.File(huge, "a") as f:
        rec = next(r for r in f["_scalesweep"].values() if "opt_status" in list(r.attrs["variables"]))
        for name in rec.attrs["variables"]:
            attrs = dict(f[name].attrs)
            attrs.pop("DIMENSION_LIST", None)
            del f[name]
            ds = f.create_dataset(name, shape, dtype=np.uint8 if name == "opt_status" else np.float64,
                                  chunks=chunks, fillvalue=5 if name == "opt_status" else np.nan)
            for key, value in attrs.items():
                ds.attrs[key] = value
        count = 100 * 100 if record != "not_matching" else 7
        attrs, path = dict(rec.attrs), rec.name
        del f[path]
        f[path] = np.full(count, 1 if record == "claimed_done" else 0, dtype=np.uint8)
        for key, value in attrs.items():
            f[path].attrs[key] = value
    assert huge.stat().st_size < result.stat().st_size + (64 << 10)  # the huge grid holds no bytes
    start = time.monotonic()
    proc = subprocess.run([scalesweep.binary, "inspect", "--json", str(huge)], capture_output=True,
                          text=True, preexec_fn=limit_memory(2), timeout=60)
    assert time.monotonic() - start < 10
    if record == "unwritten":
        assert proc.returncode == 0, proc.stderr
        counts = json.loads(proc.stdout)["variables"]["opt_status"]["status_counts"]
        assert counts["unwritten"] == 10**10 and counts["ok"] == 0
    else:
        assert proc.returncode == 2, proc.stderr
        assert f"'{huge}' is damaged or not a scalesweep result" in proc.stderr
        assert ("recorded done but holds no data" if record == "claimed_done"
                else "does not hold one 0 or 1 per chunk of") in proc.stderr
