"""Writes the result harness's seeds (tests/fuzz/corpus/result/*.result): three tiny results, so
that an execution decodes 15-25 KB of HDF5 metadata, not a 140 KB file's forty variables
(docs/reliability.md, Fuzzing). Named `.result` so that the repository's `*.h5` rule keeps them.

    python3 tests/fuzz/result_seeds.py build/scalesweep tests/fuzz/corpus/result
"""
import subprocess
import sys
import tempfile
from pathlib import Path

# name: (config, run flags). A dense loss grid of 2 x 2 (text inspection: even size), the implied
# demand of 2 x 2 models on one hardware scenario in USD, deflated, with statuses (JSON
# inspection: odd size), and shard 1/2 of a loss and cost grid (a progress record with chunks not
# written). 15-25 KB each: an execution costs about as much as the metadata it decodes.
SEEDS = {
    "loss": ("""[law]
preset = "chinchilla"
[objective]
kind = "flops"
[axes]
N = { values = [1e9, 1e10] }
D = { values = [1e10, 1e11] }
""", []),
    "demand": ("""[law]
preset = "sardana2024"
[objective]
kind = "usd"
[[hardware]]
name = "h100"
preset = "sardana2024-default"
[axes]
N = { values = [1e9, 1e10] }
D = { values = [1e10, 1e14] }
[output]
dense = ["implied_T"]
compression = "deflate"
chunk_cells = 2
""", []),
    "part": ("""[law]
preset = "epoch2024"
[objective]
kind = "flops"
[axes]
N = { values = [1e9, 1e10] }
D = { values = [1e10, 1e11] }
T = { values = [0, 1e12] }
[output]
chunk_cells = 2
""", ["--shard", "1/2"]),
}


def main():
    binary, folder = sys.argv[1], Path(sys.argv[2])
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        for name, (config, flags) in SEEDS.items():
            path = Path(work) / f"{name}.toml"
            path.write_text(f'title = "fuzz seed {name}"\n' + config)
            out = Path(work) / f"{name}.h5"
            subprocess.run([binary, "run", str(path), "-o", str(out), "--quiet", *flags], check=True)
            (folder / f"{name}.result").write_bytes(out.read_bytes())
            print(f"{folder / name}.result: {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
