"""Every number that --json prints is a float literal unless it is a count: Python's json (and
most readers) turn an integer literal into an int, so a cost printed as 1438062249963576360960
would come back as an int. Every command with --json is covered (the list is checked against the
commands' --help), on inputs whose doubles are whole numbers (T = 2e12, peak FLOP/s, axis values),
where a printer without a '.' or exponent would print an integer."""
import json
import re

import pytest

from conftest import SOURCE_DIR

# The integer fields: counts of cells, tiles, chunks, bytes, points, ranks, root-finder steps and
# statuses; shapes; format versions; status codes (flag_values); a fit's data points, starts,
# samples, its seed and the index of its best start; serving GPUs ([constraints]).
COUNT_KEYS = re.compile(r"(iterations|size|cells|tiles|ranks|chunks|chunks_done|cells_done_before|"
                        r"shard_cells|format_version|scalesweep_format_version|code|bytes_written|"
                        r".*_bytes|n_points|excluded_rows|starts|starts_converged|"
                        r"starts_reaching_best|best_start|samples|converged|seed|serve_gpus)$")
COUNT_ARRAYS = {"shape", "tile_shape", "flag_values"}
STATUS_TABLES = {"status_counts", "statuses"}


def numbers(value, path=()):
    """(path, number) for every number in a parsed JSON value (booleans excluded)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from numbers(v, path + (k,))
    elif isinstance(value, list):
        for v in value:
            yield from numbers(v, path + ("[]",))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield path, value


def is_count(path):
    keys = [p for p in path if p != "[]"]
    if path[-1] == "[]":
        return keys[-1] in COUNT_ARRAYS
    return bool(COUNT_KEYS.fullmatch(keys[-1])) or any(k in STATUS_TABLES for k in keys[-3:-1])


def check(document):
    """An integer literal only where the field is a count (a count the program holds as a double,
    such as a GPU preset's memory_bytes, may print as a float)."""
    for path, value in numbers(document):
        if isinstance(value, int):
            assert is_count(path), f"{'.'.join(path)} = {value!r} parses as int, not float"


@pytest.fixture(scope="module")
def documents(tmp_path_factory, scalesweep):
    d = tmp_path_factory.mktemp("json")
    config = SOURCE_DIR / "configs" / "hardware-compare.toml"
    out = d / "hw.h5"
    part = d / "part.h5"
    # [constraints]: validate's constraints object, and opt_N_max and chinchilla_fits in inspect.
    serving = SOURCE_DIR / "configs" / "serving-constraints.toml"
    served = d / "serving.h5"
    scalesweep("run", serving, "-o", served, "--quiet")
    return {
        "optimum": [
            scalesweep.json("optimum", "--law", "sardana2024", "--loss", "1.947",
                            "--inference-tokens", "2e12"),
            scalesweep.json("optimum", "--law", "chinchilla", "--budget", "1e23",
                            "--inference-tokens", "1e12", "--objective", "usd", "--hardware",
                            "sardana2024-default"),
        ],
        "validate": [scalesweep.json("validate", config), scalesweep.json("validate", serving)],
        "run": [scalesweep.json("run", config, "-o", out, "--quiet"),
                scalesweep.json("run", config, "-o", part, "--shard", "1/2", "--quiet")],
        "inspect": [scalesweep.json("inspect", out), scalesweep.json("inspect", part),
                    scalesweep.json("inspect", served)],
        "presets": [scalesweep.json("presets")],
        "eval": [scalesweep.json("eval", "--law", "chinchilla", "--model", "llama3-8b",
                                 "--inference-tokens", "1e12"),
                 scalesweep.json("eval", "--law", "sardana2024", "--model", "llama3-8b",
                                 "--hardware", "sardana2024-default")],
        "fit": [scalesweep.json("fit", SOURCE_DIR / "data" / "chinchilla-fig4-besiroglu2024.csv",
                                "--N-column", "Model Size", "--flops-column", "Training FLOP",
                                "--bootstrap", "8", "--seed", "7")],
    }


def test_every_command_with_json_is_covered(scalesweep, documents):
    top = scalesweep("--help").stdout
    commands = re.findall(r"^  ([a-z-]+) {2,}", top[top.index("Subcommands:"):], re.M)
    with_json = {c for c in commands if "--json" in scalesweep(c, "--help").stdout}
    assert with_json == set(documents), "add the new command's --json to this test"


@pytest.mark.parametrize("command", ["optimum", "validate", "run", "inspect", "presets", "eval",
                                     "fit"])
def test_numbers_are_floats_unless_counts(documents, command):
    for document in documents[command]:
        check(document)


def test_whole_number_doubles_print_as_floats(documents):
    loss, budget = documents["optimum"]
    assert isinstance(loss["inference_tokens"], float) and loss["inference_tokens"] == 2e12
    assert isinstance(budget["budget"], float) and budget["budget"] == 1e23
    peaks = [v for path, v in numbers(documents["presets"][0]) if "peak_flops" in ".".join(path)
             or "flops" in path[-1]]
    assert peaks and all(isinstance(v, float) for v in peaks)
    assert any(v == int(v) for v in peaks)  # e.g. 989e12: a whole number
    T = documents["inspect"][0]["axes"]["T"]["values"]
    assert all(isinstance(v, float) for v in T) and 1e9 in T
