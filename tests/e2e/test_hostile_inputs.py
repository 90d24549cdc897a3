"""Hostile inputs (issue 18): outputs that are not regular files, stale temporary files and long
names, hints that are safe to paste, inputs read within bounds, untrusted text escaped, overflow
checks shared by the config and the flags. Each test was written against the defect first."""
import json
import os
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import h5py
import pytest

from conftest import interrupt_slow_run, signal_once_written, wait_for_file
from test_bad_inputs import GOOD, USD as USD_WITHOUT_HARDWARE_VALUES
from test_fit_cli import COLUMNS as FIT_COLUMNS, DATA as FIT_DATA

# Large enough that a slowed run can be interrupted (resume hints).
SLOW = """
[law]
preset = "sardana2024"
[axes]
T = { log10 = [9, 13], points = 60 }
loss_target = { linear = [1.9, 2.6], points = 400 }
[output]
chunk_cells = 512
"""


def snapshot(path):
    """What must not change about a path that a command was told to write: its type, identity,
    device numbers, size and times."""
    s = os.stat(path, follow_symlinks=False)
    return (stat.S_IFMT(s.st_mode), s.st_ino, s.st_dev, s.st_rdev, s.st_size, s.st_mtime_ns)


def make_special(kind, path):
    """A FIFO, a listening socket, a directory, or a character device like /dev/null (mknod,
    root only); returns what keeps it alive (the socket)."""
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(str(path))
        s.listen(1)
        return s
    elif kind == "directory":
        os.mkdir(path)
    elif kind == "null_device":
        if os.geteuid() != 0:
            pytest.skip("mknod needs root")
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # what /dev/null is
    return None


KIND_MESSAGE = {
    "fifo": "is a FIFO (named pipe), not a regular file",
    "socket": "is a socket, not a regular file",
    "directory": "is a directory",
    "null_device": "is a character device, not a regular file",
}


@pytest.fixture(scope="module")
def parts(tmp_path_factory, scalesweep):
    """Both parts of a two-shard run of GOOD, for the merge forms."""
    d = tmp_path_factory.mktemp("parts")
    (d / "good.toml").write_text(GOOD)
    for i in (1, 2):
        scalesweep("run", d / "good.toml", "--shard", f"{i}/2", "-o", d / f"p{i}.h5", "--quiet")
    return [d / "p1.h5", d / "p2.h5"]


def writing_forms(cfg, out, parts):
    """Every run, merge and fit command line that writes `out`."""
    with_path = cfg.with_name("with_path.toml")
    with_path.write_text(GOOD + f'[output]\npath = "{out}"\n')
    return [
        ["run", cfg, "-o", out],
        ["run", cfg, "-o", out, "--overwrite"],
        ["run", with_path, "--overwrite"],
        ["run", cfg, "-o", out, "--shard", "1/2", "--overwrite"],
        ["run", cfg, "-o", out, "--resume"],
        ["merge", *parts, "-o", out],
        ["merge", *parts, "-o", out, "--overwrite"],
        ["fit", FIT_DATA, *FIT_COLUMNS, "-o", out],
        ["fit", FIT_DATA, *FIT_COLUMNS, "-o", out, "--overwrite"],
    ]


@pytest.mark.parametrize("kind", ["fifo", "socket", "directory", "null_device"])
def test_outputs_that_are_not_regular_files_are_never_replaced(tmp_path, scalesweep, parts, kind):
    cfg = tmp_path / "good.toml"
    cfg.write_text(GOOD)
    out = tmp_path / "out.h5"
    keep = make_special(kind, out)
    before = snapshot(out)
    for form in writing_forms(cfg, out, parts):
        proc = scalesweep(*form, check=False)
        assert proc.returncode == 2, (form, proc.stderr)
        assert snapshot(out) == before, form
        assert not Path(f"{out}.partial").exists(), form
        if "--resume" not in form:  # --resume first says there is nothing to resume
            assert KIND_MESSAGE[kind] in proc.stderr, (form, proc.stderr)
    if keep is not None:
        keep.close()


def test_a_fifo_put_at_the_output_during_a_run_is_not_replaced(tmp_path, binary):
    """Checked before the work and again just before the rename that publishes the result."""
    (tmp_path / "slow.toml").write_text(SLOW)
    out = tmp_path / "out.h5"
    proc = subprocess.Popen([binary, "run", "slow.toml", "-o", "out.h5", "--quiet", "--threads", "1",
                             "--tile-cells", "512"], cwd=tmp_path, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, SCALESWEEP_DEBUG_ROUND_DELAY_MS="5"))
    wait_for_file(f"{out}.partial", proc)
    os.mkfifo(out)
    stderr = proc.communicate(timeout=60)[1]
    assert proc.returncode == 2 and "'out.h5' became a FIFO (named pipe) while this process worked" in stderr, stderr
    assert stat.S_ISFIFO(os.stat(out).st_mode) and Path(f"{out}.partial").exists()


def test_the_config_being_read_is_never_the_output(tmp_path, scalesweep, parts):
    cfg = tmp_path / "good.toml"
    cfg.write_text(GOOD)
    os.link(cfg, tmp_path / "alias.h5")  # the same file under another name
    for out in (cfg, tmp_path / "alias.h5"):
        proc = scalesweep("run", cfg, "-o", out, "--overwrite", check=False)
        assert proc.returncode == 2 and "is the config this run reads" in proc.stderr, proc.stderr
    assert cfg.read_text() == GOOD
    p1 = parts[0].read_bytes()
    proc = scalesweep("merge", *parts, "-o", parts[0], "--overwrite", check=False)
    assert proc.returncode == 2 and "is part 1 of this merge" in proc.stderr, proc.stderr
    assert parts[0].read_bytes() == p1


def test_the_data_a_fit_reads_is_never_its_output(tmp_path, scalesweep):
    data = tmp_path / "data.csv"
    data.write_bytes(FIT_DATA.read_bytes())
    proc = scalesweep("fit", data, *FIT_COLUMNS, "-o", data, "--overwrite", check=False)
    assert proc.returncode == 2 and "is the data this fit reads" in proc.stderr, proc.stderr
    assert data.read_bytes() == FIT_DATA.read_bytes()


def test_no_output_computes_and_writes_nothing(tmp_path, scalesweep):
    (tmp_path / "good.toml").write_text(GOOD)
    proc = scalesweep("run", "good.toml", "--no-output", cwd=tmp_path)
    assert "opt_status: 4 ok" in proc.stdout and "no output written (--no-output)" in proc.stdout
    summary = scalesweep.json("run", "good.toml", "--no-output", cwd=tmp_path)
    assert summary["output"] is None and summary["cells"] == 4 and summary["bytes_written"] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good.toml"]
    proc = scalesweep("run", "good.toml", "--no-output", "-o", "x.h5", check=False, cwd=tmp_path)
    assert proc.returncode == 2 and "--output excludes --no-output" in proc.stderr


def dead_pid():
    """The PID of a process that has ended (reaped), for a stale temporary file's name."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_stale_creating_files_of_ended_processes_are_removed(tmp_path, scalesweep):
    (tmp_path / "good.toml").write_text(GOOD)
    stale = tmp_path / f"out.h5.partial.creating-{dead_pid()}"
    live = tmp_path / f"out.h5.partial.creating-{os.getpid()}"  # this test's: still running
    other = tmp_path / f"other.h5.partial.creating-{dead_pid()}"  # another output's
    for f in (stale, live, other):
        f.write_bytes(b"\0" * 4096)
    proc = scalesweep("run", "good.toml", "-o", "out.h5", cwd=tmp_path)
    assert not stale.exists() and live.exists() and other.exists()
    assert f"removed {stale.name}, left by process" in proc.stderr, proc.stderr
    assert (tmp_path / "out.h5").exists()


def test_names_too_long_for_the_temporary_files_are_refused_up_front(tmp_path, scalesweep):
    """NAME_MAX is 255 here: NAME.partial.creating-PID must fit with the widest PID."""
    (tmp_path / "good.toml").write_text(GOOD)
    for length in (233, 240, 247):
        name = "a" * (length - 3) + ".h5"
        proc = scalesweep("run", "good.toml", "-o", name, check=False, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert f"has {length} characters; this filesystem takes 227 at most" in proc.stderr, proc.stderr
        assert "'.partial.creating-PID'" in proc.stderr
    name = "a" * 224 + ".h5"  # 227: the longest that fits
    scalesweep("run", "good.toml", "-o", name, "--quiet", cwd=tmp_path)
    assert (tmp_path / name).exists()


def hint_command(stderr, prefix):
    line = next(l for l in stderr.splitlines() if prefix in l)
    return line.split(prefix, 1)[1]


@pytest.mark.parametrize("config_name,output_name", [
    ("a;touch X;.toml", "o$(touch Y).h5"),
    ("my config.toml", "out `touch Z` 'q'.h5"),
])
def test_resume_hints_are_safe_to_paste(tmp_path, binary, config_name, output_name):
    """The printed resume command, pasted into sh, resumes the right file and runs nothing else."""
    work = tmp_path / "dir with spaces"
    work.mkdir()
    (work / config_name).write_text(SLOW)
    out = work / output_name
    proc = subprocess.Popen([binary, "run", config_name, "-o", output_name, "--threads", "1",
                             "--tile-cells", "512"], cwd=work, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, SCALESWEEP_DEBUG_ROUND_DELAY_MS="20"))
    stderr = signal_once_written(proc, f"{out}.partial")
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    command = hint_command(stderr, "hint: resume with: ")
    pasted = subprocess.run(["sh", "-c", command], cwd=work, capture_output=True, text=True)
    assert pasted.returncode == 0, (command, pasted.stderr)
    assert out.exists() and not Path(f"{out}.partial").exists()
    made = sorted(p.name for p in work.iterdir())
    assert made == sorted([config_name, output_name]), made


def test_inspect_shows_a_recorded_command_as_data(tmp_path, binary, scalesweep):
    (tmp_path / "slow.toml").write_text(SLOW)
    out = tmp_path / "o$(touch Y).h5"
    interrupt_slow_run(binary, tmp_path / "slow.toml", out)
    with h5py.File(f"{out}.partial", "r+") as f:  # a file someone sent: any command in it
        f.attrs["command_line"] = "rm -rf ~; scalesweep run x.toml \x1b]0;pwned\x07"
    text = scalesweep("inspect", f"{out}.partial").stdout
    assert "\x1b" not in text and "\x07" not in text
    assert "`" not in text  # no runnable hint is built from the file's text
    assert "recorded command: rm -rf ~; scalesweep run x.toml \\e]0;pwned\\x07" in text, text


# --- Bounded reads of configs ---------------------------------------------------------------

def test_configs_that_are_not_regular_files_are_refused_at_once(tmp_path, scalesweep):
    os.mkfifo(tmp_path / "fifo.toml")  # no writer: a plain open() would wait forever
    for path, what in (("/dev/zero", "character device"), (tmp_path / "fifo.toml", "FIFO")):
        start = time.monotonic()
        proc = subprocess.run([scalesweep.binary, "validate", str(path)], capture_output=True,
                              text=True, timeout=20)
        assert proc.returncode == 2 and f"is a {what}" in proc.stderr, proc.stderr
        assert time.monotonic() - start < 10


def test_fit_data_that_is_not_a_regular_file_is_refused_at_once(tmp_path, scalesweep):
    os.mkfifo(tmp_path / "fifo.csv")
    for path, what in (("/dev/zero", "character device"), (tmp_path / "fifo.csv", "FIFO")):
        start = time.monotonic()
        proc = subprocess.run([scalesweep.binary, "fit", str(path)], capture_output=True, text=True,
                              timeout=20)
        assert proc.returncode == 2 and f"data '{path}' is a {what}" in proc.stderr, proc.stderr
        assert time.monotonic() - start < 10


def test_configs_larger_than_16_mib_are_refused_before_reading(tmp_path, scalesweep):
    big = tmp_path / "big.toml"
    with open(big, "wb") as f:
        f.truncate(17 << 20)
    proc = scalesweep("validate", big, check=False)
    assert proc.returncode == 2
    assert "has 17,825,792 bytes; a config may hold at most 16.0 MiB" in proc.stderr, proc.stderr


def test_long_tokens_are_cut_in_messages(tmp_path, scalesweep):
    cfg = tmp_path / "key.toml"
    cfg.write_text('[law]\npreset = "sardana2024"\n' + "k" * 10_000_000 + " = 1\n")
    proc = scalesweep("validate", cfg, check=False)
    assert proc.returncode == 2
    assert len(proc.stderr) < 4000, len(proc.stderr)
    assert "k" * 200 + "\u2026(10000000 bytes)" in proc.stderr


def test_control_characters_from_a_config_are_escaped(tmp_path, scalesweep):
    cfg = tmp_path / "esc.toml"
    cfg.write_text('title = "\\u001b]0;PWNED\\u0007hi"\n' + GOOD)
    proc = scalesweep("validate", cfg)
    assert "\x1b" not in proc.stdout + proc.stderr and "sweep: \\e]0;PWNED\\x07hi" in proc.stdout
    cfg.write_text('[law]\npreset = "sardana2024"\n"\\u001b[2Jkey" = 1\n')
    proc = scalesweep("validate", cfg, check=False)
    assert proc.returncode == 2 and "\x1b" not in proc.stderr, proc.stderr
    assert "unknown key '\\e[2Jkey'" in proc.stderr


def test_a_nul_in_the_output_path_is_shown_and_blamed(tmp_path, scalesweep):
    cfg = tmp_path / "nul.toml"
    cfg.write_text(GOOD + '[output]\npath = "a\\u0000b.h5"\n')
    for command in ("run", "validate"):
        proc = scalesweep(command, cfg, check=False)
        assert proc.returncode == 2, proc.stderr
        assert "output.path: 'a\\x00b.h5' holds a NUL byte" in proc.stderr, proc.stderr
        assert "another run" not in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["nul.toml"]


def test_inspect_escapes_file_text(tmp_path, scalesweep):
    (tmp_path / "good.toml").write_text(GOOD)
    out = tmp_path / "r.h5"
    scalesweep("run", tmp_path / "good.toml", "-o", out, "--quiet")
    with h5py.File(out, "r+") as f:
        f.attrs["title"] = b"\x1b]0;PWNED\x07 \xff\xfe"
        f.attrs["law_preset"] = "\x1b[2Jsardana2024"
    text = scalesweep("inspect", out).stdout
    assert "\x1b" not in text and "title: \\e]0;PWNED\\x07 \\xff\\xfe" in text, text
    raw = subprocess.run([scalesweep.binary, "inspect", str(out), "--json"], capture_output=True).stdout
    doc = json.loads(raw.decode("utf-8"))  # strict UTF-8: raises on invalid bytes
    assert doc["attributes"]["title"] == "\x1b]0;PWNED\x07 \ufffd\ufffd"
    assert b"\x1b" not in raw


# --- Overflow checks shared by the config and the flags ------------------------------------

# 9e307 each: their sum overflows, which priced every token as decode before the check.
USD = USD_WITHOUT_HARDWARE_VALUES + """preset = "sardana2024-default"
serve = { input_tokens = 9e307, output_tokens = 9e307 }
"""


def test_a_token_split_that_overflows_is_refused(tmp_path, scalesweep):
    cfg = tmp_path / "usd.toml"
    cfg.write_text(USD)
    for command in (["run", cfg, "-o", tmp_path / "o.h5"], ["validate", cfg]):
        proc = scalesweep(*command, check=False)
        assert proc.returncode == 2, proc.stderr
        assert "hardware[0].serve.input_tokens + hardware[0].serve.output_tokens = inf must be finite and > 0" in proc.stderr, proc.stderr
    proc = scalesweep("optimum", "--law", "sardana2024", "--loss", "2", "--objective", "usd",
                      "--hardware", "sardana2024-default", "--requests", "1",
                      "--input-tokens", "9e307", "--output-tokens", "9e307", check=False)
    assert proc.returncode == 2
    assert "--input-tokens + --output-tokens = inf must be finite and > 0" in proc.stderr, proc.stderr


# --- validate says what run refuses --------------------------------------------------------

def test_validate_warns_where_run_refuses_for_disk_space(tmp_path, scalesweep):
    cfg = tmp_path / "huge.toml"
    cfg.write_text('[law]\npreset = "sardana2024"\n[axes]\nN = { log10 = [8, 12], points = 3000000 }\n'
                   'D = { log10 = [10, 14], points = 3000000 }\n[output]\ndense = ["loss"]\n')
    proc = scalesweep("validate", cfg, "-o", tmp_path / "huge.h5")
    assert "warning: run would refuse this output: the result needs up to 65.5 TiB" in proc.stderr, proc.stderr
