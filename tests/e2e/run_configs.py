"""Configs shared by the distributed-run tests (shards, resume, MPI): every problem, small
chunks so that blocks, tiles and chunks are many."""

CONFIG = """
[law]
preset = "epoch2024"
[objective]
kind = "usd"
[[hardware]]
name = "h100"
preset = "sardana2024-default"
[[hardware]]
name = "l40s"
preset = "h100-train-l40s-serve"
[axes]
N = {{ log10 = [7, 13], points = 131 }}
D = {{ log10 = [8, 15], points = 97 }}
T = {{ values = [0, 1e9, 1e12, 1e15] }}
loss_target = {{ linear = [1.8, 3.0], points = 89 }}
budget = {{ log10 = [3, 9], points = 53 }}
[output]
chunk_cells = 512
{extra}
"""


def write_config(directory, name="sweep", extra=""):
    path = directory / f"{name}.toml"
    path.write_text(CONFIG.format(extra=extra))
    return path
