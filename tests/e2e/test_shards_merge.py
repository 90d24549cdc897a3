"""Job arrays without MPI: `run --shard i/n` parts joined by `merge` equal a single run; parts of
different runs, and incomplete sets of parts, are refused with a clear error."""
import os
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import assert_same_results, recorded_done_cells, signal_once_written, wait_for_file
from run_configs import write_config


@pytest.mark.parametrize("compression", ["none", "deflate"])
def test_three_shards_merged_equal_a_single_run(tmp_path, scalesweep, compression):
    cfg = write_config(tmp_path, extra=f'compression = "{compression}"')
    reference = tmp_path / "single.h5"
    scalesweep("run", cfg, "-o", reference, "--quiet")
    parts = []
    for i in (1, 2, 3):
        out = tmp_path / f"part{i}.h5"
        # Different tile sizes per part: the blocks, not the tiles, decide what a shard holds.
        scalesweep("run", cfg, "--shard", f"{i}/3", "-o", out, "--quiet", "--tile-cells", str(600 * i))
        parts.append(out)
        with h5py.File(out, "r") as f:
            assert f["_scalesweep"].attrs["shard"] == f"{i}/3"
            # A part says so where every reader looks: its other cells are not results.
            assert f.attrs["shard"].startswith(f"{i}/3: this file holds one part of a sharded run")
            assert 0 < f["_scalesweep/done_0"][()].sum() < f["_scalesweep/done_0"].size
    merged = tmp_path / "merged.h5"
    proc = scalesweep("merge", *parts, "-o", merged)
    # Chunk positions are counted, as `inspect` counts them, from part 1's progress record.
    with h5py.File(parts[0], "r") as f:
        total = sum(f["_scalesweep"][name].size for name in f["_scalesweep"])
    assert proc.stdout.startswith(f"merged 3 parts into {merged}: {total:,} chunks (")
    assert proc.stdout.rstrip().endswith(") copied and checked")
    assert_same_results(reference, merged)
    assert not (tmp_path / "merged.h5.partial").exists()
    with h5py.File(merged, "r") as f:
        assert "shard" not in f.attrs
    # A finished merge is not replaced by accident.
    before = merged.stat().st_mtime_ns
    proc = scalesweep("merge", *parts, "-o", merged, check=False)
    assert proc.returncode == 2 and f"output file '{merged}' exists" in proc.stderr
    assert merged.stat().st_mtime_ns == before
    scalesweep("merge", *parts, "-o", merged, "--overwrite", "--quiet")
    assert_same_results(reference, merged)


def test_shards_written_to_one_name_are_refused(tmp_path, scalesweep):
    """`for i in 1 2 3; do run --shard $i/3 -o hw.h5; done` must not leave the last part alone
    under a name that looks like the whole run."""
    cfg = write_config(tmp_path)
    out = tmp_path / "hw.h5"
    scalesweep("run", cfg, "--shard", "1/3", "-o", out, "--quiet")
    proc = scalesweep("run", cfg, "--shard", "2/3", "-o", out, "--quiet", check=False)
    assert proc.returncode == 2 and "exists" in proc.stderr
    with h5py.File(out, "r") as f:
        assert f["_scalesweep"].attrs["shard"] == "1/3"


def test_default_shard_file_names(tmp_path, scalesweep):
    cfg = write_config(tmp_path, extra='path = "out.h5"')
    scalesweep("run", cfg, "--shard", "2/4", "--quiet", cwd=tmp_path)
    assert (tmp_path / "out.shard-2-of-4.h5").exists()


def test_validate_shard_reports_the_part_that_run_writes(tmp_path, scalesweep):
    """`validate --shard i/n` plans each part of a job array: its default file name is the one run
    writes, its cells are those the part's progress record marks done (counted with h5py), the
    parts' cells add up to the grid, and its disk estimate bounds the part's file."""
    cfg = write_config(tmp_path, extra='path = "out.h5"')
    plans = [scalesweep.json("validate", cfg, "--shard", f"{i}/3", cwd=tmp_path) for i in (1, 2, 3)]
    for i, plan in enumerate(plans, start=1):
        assert plan["shard"] == f"{i}/3" and plan["output"] == f"out.shard-{i}-of-3.h5"
        out = scalesweep("run", cfg, "--shard", f"{i}/3", cwd=tmp_path).stdout
        # run prints the same plan line as validate (up to the free space, which changes).
        line = f"total: {plan['cells']:,} cells; shard {i}/3: {plan['shard_cells']:,} of them; output "
        assert line + f"out.shard-{i}-of-3.h5 (part up to " in out
        part = tmp_path / plan["output"]
        assert plan["shard_cells"] == recorded_done_cells(part) > 0
        assert part.stat().st_size <= plan["shard_output_bytes"] < plan["output_bytes"]
    assert sum(p["shard_cells"] for p in plans) == plans[0]["cells"]
    whole = scalesweep.json("validate", cfg, cwd=tmp_path)
    assert (whole["shard"], whole["shard_cells"], whole["output"]) == ("1/1", whole["cells"], "out.h5")
    text = scalesweep("validate", cfg, "--shard", "2/3", cwd=tmp_path).stdout
    assert (f"; shard 2/3: {plans[1]['shard_cells']:,} of them; output out.shard-2-of-3.h5 (part up "
            "to ") in text


def test_merge_leaves_an_existing_partial_file_alone(tmp_path, scalesweep):
    """OUT.partial may be an interrupted run's progress, or a file another process is writing:
    merge refuses it, as run does, and leaves it as it was (it once truncated and deleted it)."""
    cfg = write_config(tmp_path)
    parts = [tmp_path / f"p{i}.h5" for i in (1, 2)]
    for i, part in enumerate(parts, start=1):
        scalesweep("run", cfg, "--shard", f"{i}/2", "-o", part, "--quiet")
    (tmp_path / "m.h5.partial").write_bytes(b"someone's progress")
    proc = scalesweep("merge", *parts, "-o", tmp_path / "m.h5", check=False)
    assert proc.returncode == 2
    assert f"'{tmp_path}/m.h5.partial' exists: an interrupted run or merge left it, or one is writing it" \
        in proc.stderr
    assert (tmp_path / "m.h5.partial").read_bytes() == b"someone's progress"
    assert not (tmp_path / "m.h5").exists()


def test_sigterm_during_merge_removes_its_partial_file(tmp_path, binary, scalesweep):
    """A merge stopped by SIGTERM (a batch system's time limit) removes its partial file, which
    would otherwise read as an interrupted run of part 1, says so, and exits 143; the same merge
    then completes."""
    cfg = write_config(tmp_path)
    parts = [tmp_path / f"p{i}.h5" for i in (1, 2, 3)]
    for i, part in enumerate(parts, start=1):
        scalesweep("run", cfg, "--shard", f"{i}/3", "-o", part, "--quiet")
    out = tmp_path / "m.h5"
    proc = subprocess.Popen([binary, "merge", *map(str, parts), "-o", str(out)], stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, SCALESWEEP_DEBUG_ROUND_DELAY_MS="5"))
    err = signal_once_written(proc, tmp_path / "m.h5.partial", after=0.2)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert (f"interrupted (signal 15): the merge stopped and removed {out}.partial; nothing was "
            f"written to {out}") in err
    assert not out.exists() and not (tmp_path / "m.h5.partial").exists()
    scalesweep("merge", *parts, "-o", out, "--quiet")
    scalesweep("run", cfg, "-o", tmp_path / "single.h5", "--quiet")
    assert_same_results(tmp_path / "single.h5", out)


def test_a_killed_merge_leaves_a_file_that_says_what_it_is(tmp_path, binary, scalesweep):
    """kill -9 cannot be caught: the merge's partial file (a copy of part 1 being filled in) stays.
    inspect calls it an unfinished merge (it once offered to resume part 1's run into it); merge
    refuses it until it is deleted; a finished merge keeps no such note."""
    cfg = write_config(tmp_path)
    parts = [tmp_path / f"p{i}.h5" for i in (1, 2)]
    for i, part in enumerate(parts, start=1):
        scalesweep("run", cfg, "--shard", f"{i}/2", "-o", part, "--quiet")
    out = tmp_path / "m.h5"
    proc = subprocess.Popen([binary, "merge", *map(str, parts), "-o", str(out)],
                            env=dict(os.environ, SCALESWEEP_DEBUG_ROUND_DELAY_MS="5"))
    signal_once_written(proc, tmp_path / "m.h5.partial", signal.SIGKILL, after=0.2)
    partial = tmp_path / "m.h5.partial"
    assert "progress: an unfinished merge (it was killed): delete this file and run the merge again" \
        in scalesweep("inspect", partial).stdout
    assert scalesweep.json("inspect", partial)["progress"]["merge_in_progress"] is True
    assert scalesweep("merge", *parts, "-o", out, check=False).returncode == 2
    # Nor can a run resume it, not even as the shard part 1 it was copied from.
    resumed = scalesweep("run", cfg, "--resume", "--shard", "1/2", "-o", out, check=False)
    assert resumed.returncode == 2 and "was left by a merge that was killed, not by a run" in resumed.stderr
    assert not out.exists()
    partial.unlink()
    scalesweep("merge", *parts, "-o", out, "--quiet")
    assert scalesweep.json("inspect", out)["progress"]["merge_in_progress"] is False


def test_a_merge_whose_partial_file_is_replaced_stops_and_leaves_the_new_one(tmp_path, binary, scalesweep):
    """Another process puts its own file at OUT.partial while a merge copies chunks: the merge
    stops (exit 1, it must not publish a file it did not write) and does not delete that file."""
    cfg = write_config(tmp_path)
    parts = [tmp_path / f"p{i}.h5" for i in (1, 2)]
    for i, part in enumerate(parts, start=1):
        scalesweep("run", cfg, "--shard", f"{i}/2", "-o", part, "--quiet")
    out = tmp_path / "m.h5"
    proc = subprocess.Popen([binary, "merge", *map(str, parts), "-o", str(out)], stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, SCALESWEEP_DEBUG_ROUND_DELAY_MS="5"))
    partial = tmp_path / "m.h5.partial"
    wait_for_file(partial, proc)
    time.sleep(0.2)
    (tmp_path / "theirs").write_bytes(b"another process's file")
    os.replace(tmp_path / "theirs", partial)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    assert f"'{partial}' was replaced by another file while this process wrote it" in err
    assert partial.read_bytes() == b"another process's file" and not out.exists()


def test_merge_refuses_parts_of_different_configs(tmp_path, scalesweep):
    a = write_config(tmp_path, "a")
    b = write_config(tmp_path, "b", extra='dtype = { cost = "float32" }')
    scalesweep("run", a, "--shard", "1/2", "-o", tmp_path / "a1.h5", "--quiet")
    scalesweep("run", b, "--shard", "2/2", "-o", tmp_path / "b2.h5", "--quiet")
    proc = scalesweep("merge", tmp_path / "a1.h5", tmp_path / "b2.h5", "-o", tmp_path / "m.h5", check=False)
    assert proc.returncode == 2
    assert "comes from a different config than" in proc.stderr
    assert not (tmp_path / "m.h5").exists() and not (tmp_path / "m.h5.partial").exists()


def test_merge_refuses_missing_parts(tmp_path, scalesweep):
    cfg = write_config(tmp_path)
    for i in (1, 3):
        scalesweep("run", cfg, "--shard", f"{i}/3", "-o", tmp_path / f"p{i}.h5", "--quiet")
    proc = scalesweep("merge", tmp_path / "p1.h5", tmp_path / "p3.h5", "-o", tmp_path / "m.h5", check=False)
    assert proc.returncode == 2
    assert "are in none of the parts" in proc.stderr and "pass every part" in proc.stderr
    assert not (tmp_path / "m.h5").exists()
    proc = scalesweep("merge", tmp_path / "p1.h5", tmp_path / "p1.h5", tmp_path / "p3.h5",
                      "-o", tmp_path / "m.h5", check=False)
    assert proc.returncode == 2 and "are both shard 1/3" in proc.stderr
    assert not (tmp_path / "m.h5").exists()


@pytest.mark.parametrize("shard,message", [
    ("0/3", "--shard 0/3: needs 1 <= i <= n <= 1000000"),
    ("4/3", "--shard 4/3: needs 1 <= i <= n <= 1000000"),
    ("1/99999999999", "--shard 1/99999999999: needs 1 <= i <= n <= 1000000"),
    ("two", "--shard 'two': expected i/n"),
    (" 1/3", "--shard ' 1/3': expected i/n"),
    ("+1/3", "--shard '+1/3': expected i/n"),
    ("1/3 ", "--shard '1/3 ': expected i/n"),
    ("1/", "--shard '1/': expected i/n"),
])
def test_bad_shard_flags(tmp_path, scalesweep, shard, message):
    cfg = write_config(tmp_path)
    proc = scalesweep("run", cfg, "--shard", shard, "-o", tmp_path / "x.h5", check=False)
    assert proc.returncode == 2 and message in proc.stderr
    assert not list(tmp_path.glob("x.h5*"))
    proc = scalesweep("validate", cfg, "--shard", shard, check=False)
    assert proc.returncode == 2 and message in proc.stderr and proc.stdout == ""


def test_merge_refuses_files_that_are_not_results(tmp_path, scalesweep):
    (tmp_path / "junk.h5").write_bytes(b"not hdf5")
    proc = scalesweep("merge", tmp_path / "junk.h5", "-o", tmp_path / "m.h5", check=False)
    assert proc.returncode == 2 and "is not an HDF5 file" in proc.stderr
    proc = scalesweep("merge", tmp_path / "nope.h5", "-o", tmp_path / "m.h5", check=False)
    assert proc.returncode == 2 and "does not exist" in proc.stderr


@pytest.mark.parametrize("record", ["value_2", "too_short"])
def test_merge_refuses_a_damaged_progress_record(tmp_path, scalesweep, record):
    """The records decide which part's chunks are copied: one that is not a 0/1 flag per chunk is
    named as damaged (exit 2), not trusted."""
    import numpy as np
    cfg = write_config(tmp_path)
    parts = [tmp_path / "p1.h5", tmp_path / "p2.h5"]
    for i, part in enumerate(parts, 1):
        scalesweep("run", cfg, "--shard", f"{i}/2", "-o", part, "--quiet")
    with h5py.File(parts[1], "a") as f:
        done = f["_scalesweep/done_0"][()]
        del f["_scalesweep/done_0"]
        f["_scalesweep/done_0"] = np.where(done > 0, 2, 0).astype(np.uint8) if record == "value_2" \
            else done[:-1]
        f["_scalesweep/done_0"].attrs["variables"] = ["loss"]
        f["_scalesweep/done_0"].attrs["problem"] = "dense loss"
    proc = scalesweep("merge", *parts, "-o", tmp_path / "m.h5", check=False)
    assert proc.returncode == 2, proc.stderr
    assert f"'{parts[1]}' is damaged or not a scalesweep result" in proc.stderr
    assert "does not hold one 0 or 1 per chunk of 'loss'" in proc.stderr
    assert not (tmp_path / "m.h5").exists() and not (tmp_path / "m.h5.partial").exists()


def test_a_shard_without_work_says_so_and_still_writes_its_part(tmp_path, scalesweep):
    """More shards than blocks: the extra shards warn (a job array's misconfiguration is visible in
    its log), and still write their empty part, which merge needs."""
    cfg = tmp_path / "small.toml"
    cfg.write_text('[law]\npreset = "sardana2024"\n[axes]\nT = { values = [0, 1e12] }\n'
                   'loss_target = { values = [2.0, 2.2] }\n')
    first = scalesweep("run", cfg, "--shard", "1/3", "-o", tmp_path / "p1.h5", "--quiet")
    assert "warning" not in first.stderr
    assert "warning" not in scalesweep("validate", cfg, "--shard", "1/3").stderr
    parts = [tmp_path / "p1.h5"]
    for i in (2, 3):
        proc = scalesweep("run", cfg, "--shard", f"{i}/3", "-o", tmp_path / f"p{i}.h5", "--quiet")
        idle = (f"warning: shard {i}/3 has no work: this grid has 1 block, so shard 1 of 3 computes "
                "cells and the others write empty parts")
        assert idle in proc.stderr
        assert idle in scalesweep("validate", cfg, "--shard", f"{i}/3").stderr
        parts.append(tmp_path / f"p{i}.h5")
    scalesweep("run", cfg, "-o", tmp_path / "single.h5", "--quiet")
    scalesweep("merge", *parts, "-o", tmp_path / "merged.h5", "--quiet")
    assert_same_results(tmp_path / "single.h5", tmp_path / "merged.h5")


@pytest.mark.parametrize("compression", ["none", "deflate"])
def test_a_parts_other_cells_read_as_not_computed(tmp_path, scalesweep, compression):
    """A serial run's part stores its own chunks only: the other parts' cells read NaN and status
    not_computed (5, in flag_meanings), its own cells equal a single run's, and an uncompressed
    part takes about its share of the disk instead of the whole grid's."""
    cfg = write_config(tmp_path, extra=f'compression = "{compression}"')
    single, part = tmp_path / "single.h5", tmp_path / "part.h5"
    scalesweep("run", cfg, "-o", single, "--quiet")
    scalesweep("run", cfg, "--shard", "2/3", "-o", part, "--quiet")
    with h5py.File(part, "r") as p, h5py.File(single, "r") as s:
        meanings = p["opt_status"].attrs["flag_meanings"].split()
        not_computed = int(p["opt_status"].attrs["flag_values"][meanings.index("not_computed")])
        checked = {"own": 0, "status": 0, "number": 0}
        for record in p["_scalesweep"].values():
            done = record[()]
            for name in record.attrs["variables"]:
                ds, whole = p[name], s[name][()]
                grid = [-(-n // c) for n, c in zip(ds.shape, ds.chunks)]
                for index, flag in enumerate(done):
                    box = np.unravel_index(index, grid)
                    sel = tuple(slice(k * c, min((k + 1) * c, n)) for k, c, n in zip(box, ds.chunks, ds.shape))
                    got = ds[sel]
                    if flag:
                        np.testing.assert_array_equal(got, whole[sel])
                        checked["own"] += 1
                    elif ds.dtype == np.uint8:
                        assert (got == not_computed).all(), name
                        checked["status"] += 1
                    else:
                        assert np.isnan(got).all(), name
                        checked["number"] += 1
        assert min(checked.values()) > 0, checked
    if compression == "none":
        assert part.stat().st_size < 0.6 * single.stat().st_size


def two_parts(tmp_path, scalesweep, extra=""):
    cfg = write_config(tmp_path, extra=extra)
    parts = [tmp_path / "p1.h5", tmp_path / "p2.h5"]
    for i, part in enumerate(parts, 1):
        scalesweep("run", cfg, "--shard", f"{i}/2", "-o", part, "--quiet")
    return cfg, parts


@pytest.mark.parametrize("position", [0, 1])
def test_merge_refuses_a_part_that_claims_chunks_it_never_wrote(tmp_path, scalesweep, position):
    """Given first, such a part made a file that inspect called complete, with NaN and
    not_computed cells; given later, merge failed with exit 1 and HDF5's "chunk storage is not
    allocated". Every chunk a record claims must be stored, in every variable of the record."""
    _, parts = two_parts(tmp_path, scalesweep)
    liar = parts[position]
    with h5py.File(liar, "a") as f:
        record = f["_scalesweep/done_1"]
        done = record[()]
        chunk = int(np.flatnonzero(done == 0)[0])
        done[chunk] = 1
        record[...] = done
        variable = record.attrs["variables"][0]
    out = tmp_path / "m.h5"
    proc = scalesweep("merge", *parts, "-o", out, check=False)
    assert proc.returncode == 2, proc.stderr
    assert f"'{liar}' records chunk {chunk} of '{variable}' as written, but holds no data for it" \
        in proc.stderr
    assert not out.exists() and not (tmp_path / "m.h5.partial").exists()


@pytest.mark.parametrize("attribute,value", [
    ("law_alpha", 0.3),                      # the law the values were computed with
    ("hardware_train_mfu", np.array([0.4, 0.4])),  # a scenario's resolved numbers
    ("objective", "flops"),
])
def test_merge_refuses_parts_that_disagree_in_what_they_claim(tmp_path, scalesweep, attribute, value):
    """Parts whose law (or hardware) attributes disagree were merged without a word, and the result
    claimed constants its values were not computed with."""
    _, parts = two_parts(tmp_path, scalesweep)
    with h5py.File(parts[1], "a") as f:
        assert attribute in f.attrs
        f.attrs[attribute] = value
    proc = scalesweep("merge", *parts, "-o", tmp_path / "m.h5", check=False)
    assert proc.returncode == 2, proc.stderr
    assert f"'{parts[1]}' differs from '{parts[0]}' in its attribute '{attribute}'" in proc.stderr
    assert not (tmp_path / "m.h5").exists()


def flip_a_byte_inside_a_stored_chunk(path, variable):
    """Changes one byte in the middle of the first stored chunk of `variable`; returns that
    chunk's offset in the grid. h5py reports where the chunk lies in the file."""
    with h5py.File(path, "r") as f:
        info = next(i for i in map(f[variable].id.get_chunk_info, range(f[variable].id.get_num_chunks()))
                    if i.size > 16)
    with open(path, "r+b") as f:
        f.seek(info.byte_offset + info.size // 2)
        byte = f.read(1)
        f.seek(info.byte_offset + info.size // 2)
        f.write(bytes([byte[0] ^ 0x5A]))
    return info.chunk_offset


def test_merge_refuses_a_corrupt_deflated_chunk(tmp_path, scalesweep):
    """Chunks are copied as stored; a deflated chunk with a changed byte was copied without notice
    (exit 0, wrong values in the merged file). Each is inflated once on the way, which checks
    zlib's Adler-32: the part is refused, named with the variable and the chunk."""
    _, parts = two_parts(tmp_path, scalesweep, extra='compression = "deflate"')
    offset = flip_a_byte_inside_a_stored_chunk(parts[0], "cost")
    out = tmp_path / "m.h5"
    proc = scalesweep("merge", *parts, "-o", out, check=False)
    assert proc.returncode == 2, proc.stderr
    assert f"'{parts[0]}' is damaged or not a scalesweep result" in proc.stderr
    assert (f"a chunk of 'cost' at ({', '.join(map(str, offset))}) does not hold what its "
            "checksum and size say") in proc.stderr
    assert not out.exists() and not (tmp_path / "m.h5.partial").exists()
