"""Bad configs and flags: each gets a clear message naming the field and the allowed range, exit
code 2, and no output file (neither the result nor a .partial)."""
import pytest

GOOD = """
[law]
preset = "sardana2024"
[axes]
T = { values = [0, 1e12] }
loss_target = { values = [2.0, 2.2] }
"""

USD = """
[law]
preset = "sardana2024"
[objective]
kind = "usd"
[axes]
T = { values = [0, 1e12] }
loss_target = { values = [2.0] }
[[hardware]]
name = "x"
"""

# A usd sweep with one scenario and a [constraints] table to fill (its keys start at line 13).
CONSTRAINED = USD + 'preset = "sardana2024-default"\n[constraints]\n'

DENSE = """
[law]
preset = "sardana2024"
[axes]
N = { log10 = [8, 12], points = 3 }
D = { log10 = [10, 14], points = 3 }
"""

# (id, config text, message fragments)
BAD_CONFIGS = [
    ("unknown_law_key", GOOD.replace('preset = "sardana2024"', 'preset = "sardana2024"\nalpah = 0.3'),
     ["cfg.toml:4:1: law.alpah: unknown key 'alpah'; did you mean 'alpha'?"]),
    ("unknown_law_preset", GOOD.replace("sardana2024", "sardana"),
     ["law.preset: unknown law preset 'sardana' (did you mean 'sardana2024'?)",
      "allowed: chinchilla, chinchilla-unrounded, sardana2024, epoch2024"]),
    ("unknown_hardware_preset_prefix", USD + 'preset = "b200"\n',
     ["hardware[0].preset: unknown hardware preset 'b200' (did you mean 'b200-fp8'?); allowed: "]),
    ("unknown_law_preset_typo", GOOD.replace("sardana2024", "chinchila"),
     ["unknown law preset 'chinchila' (did you mean 'chinchilla'?)"]),
    ("negative_exponent", GOOD.replace('preset = "sardana2024"', 'preset = "sardana2024"\nbeta = -0.2'),
     ["law.beta = -0.2 must be finite and > 0"]),
    ("mfu_out_of_range", USD + 'preset = "sardana2024-default"\ntrain = { mfu = 1.2 }\n',
     ["hardware[0].train.mfu = 1.2 is outside (0, 1]"]),
    ("decode_mfu_zero", USD + 'preset = "sardana2024-default"\nserve = { decode_mfu = 0 }\n',
     ["hardware[0].serve.decode_mfu = 0 is outside (0, 1]"]),
    ("unknown_gpu", USD + 'preset = "sardana2024-default"\ntrain = { gpu = "H100" }\n',
     ["hardware[0].train.gpu: unknown GPU 'H100' (did you mean 'H100-SXM'?); allowed: A100-40GB, A100-80GB, H100-SXM"]),
    ("dtype_missing_on_gpu", USD + 'preset = "sardana2024-default"\nserve = { gpu = "A100-80GB" }\n',
     ["hardware[0].serve.dtype: A100-80GB has no dense peak for 'fp8'; allowed: fp64, tf32, bf16, fp16, int8"]),
    ("hardware_without_preset", USD + 'train = { gpu = "H100-SXM", dtype = "bf16" }\n',
     ["hardware[0].train.mfu is required when no preset is given"]),
    ("usd_without_hardware", USD.split("[[hardware]]")[0],
     ["cfg.toml:5:8: objective 'usd' needs at least one [[hardware]] table"]),  # at kind = "usd"
    # Energy and carbon (SPEC §5.1): power > 0, PUE >= 1, grid intensity required for co2 and > 0.
    ("energy_power_zero", USD.replace('"usd"', '"energy"') + 'preset = "sardana2024-default"\ntrain = { power_w = 0 }\n',
     ["cfg.toml:12:21: hardware[0].train.power_w = 0 must be finite and > 0"]),
    ("energy_power_negative", USD.replace('"usd"', '"energy"') + 'preset = "sardana2024-default"\nserve = { power_w = -700 }\n',
     ["hardware[0].serve.power_w = -700 must be finite and > 0"]),
    ("energy_pue_below_one", USD.replace('"usd"', '"energy"') + 'preset = "sardana2024-default"\nserve = { pue = 0.9 }\n',
     ["hardware[0].serve.pue = 0.9 must be finite and >= 1", "PUE is facility energy over IT energy"]),
    ("co2_intensity_missing", USD.replace('"usd"', '"co2"') + 'preset = "sardana2024-default"\ntrain = { gco2_per_kwh = 400 }\n',
     ["hardware[0].serve.gco2_per_kwh is required for objective 'co2'", "gCO2e/kWh"]),
    ("co2_intensity_negative", USD.replace('"usd"', '"co2"') + 'preset = "sardana2024-default"\n'
     'train = { gco2_per_kwh = -1 }\nserve = { gco2_per_kwh = 400 }\n',
     ["hardware[0].train.gco2_per_kwh = -1 must be finite and > 0"]),
    ("energy_custom_gpu_without_power", USD.replace('"usd"', '"energy"') + 'preset = "sardana2024-default"\n'
     'serve = { peak_flops = 1e15, dtype = "fp8", gpu = "custom" }\n',
     ["hardware[0].serve.power_w is required for objective 'energy'", "GPU 'custom' has no preset board power"]),
    ("co2_without_hardware", USD.split("[[hardware]]")[0].replace('"usd"', '"co2"'),
     ["cfg.toml:5:8: objective 'co2' needs at least one [[hardware]] table"]),
    ("unknown_objective", GOOD + '[objective]\nkind = "carbon"\n',
     ["objective.kind: unknown objective 'carbon'", "allowed: flops, usd, energy, co2"]),
    ("unknown_gpu_hint_names_the_key", USD + 'preset = "sardana2024-default"\ntrain = { gpu = "H100" }\n',
     ["hint: or give hardware[0].train.peak_flops (dense FLOP/s)"]),
    ("unquoted_string", GOOD.replace('"sardana2024"', "sardana2024"),
     ["cfg.toml:3:10: TOML syntax error", 'hint: text values need quotes: preset = "sardana2024"']),
    ("log10_given_values_not_exponents", DENSE.replace("[8, 12]", "[1e8, 1e12]"),
     ["axes.N.log10: exponents must lie in [-300, 300]", "hint: log10 takes powers of ten"]),
    ("negative_T", GOOD.replace("[0, 1e12]", "[-1, 1e12]"),
     ["axes.T.values[0]: value -1 is out of range: must be finite and >= 0"]),
    ("empty_axis", GOOD.replace("[2.0, 2.2]", "[]"),
     ["axes.loss_target.values: must be a non-empty array of numbers"]),
    ("non_finite_axis", GOOD.replace("[0, 1e12]", "[0, inf]"),
     ["axes.T.values[1]: must be finite, got inf"]),
    ("single_point_range", GOOD.replace("{ values = [2.0, 2.2] }", "{ linear = [2, 3], points = 1 }"),
     ["axes.loss_target.points: 1 is outside [2, 100,000,000]"]),
    ("non_positive_budget", GOOD + "budget = { values = [0, 1e20] }\n",
     ["axes.budget.values[0]: value 0 is out of range: must be finite and > 0"]),
    ("loss_target_without_T", GOOD.replace("T = { values = [0, 1e12] }\n", ""),
     ["needs axes.T", "hint: for training only add T = { values = [0] }"]),
    # Unknown demand (SPEC §5.4): spreads >= 1, a regret grid needs the T axis (and loss targets).
    ("spread_below_one", GOOD + "spread = { values = [0.5, 10] }\n",
     ["cfg.toml:7:22: axes.spread.values[0]: value 0.5 is out of range: must be finite and >= 1"]),
    ("spread_nan", GOOD + "spread = { values = [nan] }\n",
     ["axes.spread.values[0]: must be finite, got nan"]),
    ("spread_generated_below_one", GOOD + "spread = { linear = [0, 10], points = 3 }\n",
     ["axes.spread: value 0 is out of range: must be finite and >= 1"]),
    ("regret_without_T", GOOD.replace("T = { values = [0, 1e12] }\n", "") + '[output]\ndense = ["regret"]\n',
     ["output.dense 'regret' needs axes.T, which the config does not declare",
      "hint: regret compares the demands of axes.T (T_plan takes its values)"]),
    ("regret_without_loss_target", DENSE + 'T = { values = [0, 1e12] }\n[output]\ndense = ["regret"]\n',
     ["output.dense 'regret' needs axes.loss_target"]),
    ("spread_without_loss_target", DENSE + "T = { values = [1e12] }\nspread = { values = [10] }\n",
     ["axes.spread needs axes.loss_target", "hint: declare it, or drop axes.spread"]),
    ("T_plan_declared", GOOD + "T_plan = { values = [1e12] }\n",
     ["axes.T_plan: T_plan takes the values of axes.T"]),
    ("toml_syntax", GOOD.replace("[axes]", "[axes"),
     ["cfg.toml:4:", "TOML syntax error"]),
    ("unknown_output_key", GOOD + "[output]\ncompresion = \"deflate\"\n",
     ["output.compresion: unknown key 'compresion'; did you mean 'compression'?"]),
    ("integer_beyond_double_precision", GOOD.replace("[0, 1e12]", "[-9223372036854775808, 1e12]"),
     ["axes.T.values[0]: value -9.223372036854776e+18 is out of range: must be finite and >= 0"]),
    ("generated_points_collide", GOOD.replace("{ values = [0, 1e12] }", "{ linear = [1.0, 1.0000000000000002], points = 5 }"),
     ["axes.T: 5 linear points give equal neighbours in double precision (1 twice): widen the range or use fewer points"]),
    ("empty_hardware_array", "hardware = []\n" + USD.split("[[hardware]]")[0],
     ["hardware: an empty array declares no scenario: write [[hardware]] tables"]),
    ("cost_ratio_overflows", USD + 'preset = "sardana2024-default"\nserve = { decode_mfu = 1e-320 }\n',
     ["hardware[0]: hardware 'x': its cost per training FLOP", "are not both finite and > 0 with a ratio in double range",
      "check its peak_flops, mfu, prefill_mfu, decode_mfu and usd_per_hour"]),
    ("wrong_type", GOOD.replace('preset = "sardana2024"', "preset = 2024"),
     ["law.preset: must be a string, got an integer"]),
    # Serving constraints (SPEC §5.2): the flags' checks, at the key's line:col.
    ("constraints_serve_gpus_zero", CONSTRAINED + "memory = true\nserve_gpus = 0\n",
     ["cfg.toml:14:14: constraints.serve_gpus must be an integer >= 1, got 0"]),
    ("constraints_serve_gpus_fraction", CONSTRAINED + "memory = true\nserve_gpus = 1.5\n",
     ["constraints.serve_gpus: must be an integer, got a float"]),
    ("constraints_memory_reserve_one", CONSTRAINED + "memory = true\nmemory_reserve = 1\n",
     ["cfg.toml:14:18: constraints.memory_reserve must be in [0, 1), got 1"]),
    ("constraints_memory_reserve_negative", CONSTRAINED + "memory = true\nmemory_reserve = -0.1\n",
     ["constraints.memory_reserve must be in [0, 1), got -0.1"]),
    ("constraints_latency_zero", CONSTRAINED + "max_seconds_per_token = 0\n",
     ["constraints.max_seconds_per_token must be finite and > 0, got 0"]),
    ("constraints_latency_negative", CONSTRAINED + "max_seconds_per_token = -1e-3\n",
     ["constraints.max_seconds_per_token must be finite and > 0, got -0.001"]),
    ("constraints_bandwidth_efficiency_above_one",
     CONSTRAINED + "max_seconds_per_token = 0.02\nbandwidth_efficiency = 1.5\n",
     ["constraints.bandwidth_efficiency must be in (0, 1], got 1.5"]),
    ("constraints_memory_not_bool", CONSTRAINED + 'memory = "yes"\n',
     ["constraints.memory: must be true or false, got a string"]),
    ("constraints_unknown_key", CONSTRAINED + "memroy = true\n",
     ["constraints.memroy: unknown key 'memroy'; did you mean 'memory'?"]),
    ("constraints_no_bound", CONSTRAINED + "serve_gpus = 2\n",
     ["constraints.serve_gpus shapes a bound that is not set",
      "add memory = true (memory bound) or max_seconds_per_token = S (latency bound)"]),
    ("constraints_empty", CONSTRAINED, ["constraints shapes a bound that is not set"]),
    ("constraints_reserve_without_memory", CONSTRAINED + "max_seconds_per_token = 0.02\nmemory_reserve = 0.1\n",
     ["constraints.memory_reserve applies with memory = true"]),
    ("constraints_under_flops", GOOD + "[constraints]\nmemory = true\n",
     ["constraints: serving constraints bound N by a serving GPU's memory and bandwidth, which "
      "objective 'flops' has none of"]),
    ("constraints_custom_serving_dtype",
     CONSTRAINED.replace("[constraints]", 'serve = { dtype = "custom", peak_flops = 1e15 }\n[constraints]')
     + "memory = true\n",
     ["constraints: hardware 'x' serve.dtype 'custom' has no fixed width per weight",
      "serving dtypes: fp64, fp32, tf32, bf16, fp16, fp8, int8, fp4"]),
    ("constraints_custom_serving_gpu",
     CONSTRAINED.replace("[constraints]", 'serve = { gpu = "custom", peak_flops = 1e15 }\n[constraints]')
     + "memory = true\n",
     ["constraints: hardware 'x' serve.gpu 'custom' has no memory or bandwidth figures"]),
]


def assert_rejected(proc, fragments, directory):
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: "), proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr, f"missing {fragment!r} in:\n{proc.stderr}"
    assert proc.stdout == ""
    leftovers = sorted(p.name for p in directory.iterdir() if p.suffix in (".h5", ".partial"))
    assert leftovers == [], leftovers


@pytest.mark.parametrize("name,text,fragments", BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config(tmp_path, scalesweep, name, text, fragments):
    cfg = tmp_path / "cfg.toml"
    cfg.write_text(text)
    for command in (["run", "cfg.toml", "-o", "out.h5"], ["validate", "cfg.toml"]):
        proc = scalesweep(*command, check=False, cwd=tmp_path)
        assert_rejected(proc, fragments, tmp_path)


BAD_FLAGS = [
    ("unknown_command", ["frobnicate"], ["unknown command 'frobnicate'", "run, optimum, eval, validate, presets, merge, inspect"]),
    ("bad_backend", ["run", "good.toml", "--backend", "gpu"], ["--backend", "gpu"]),
    ("missing_config", ["run", "nope.toml"], ["nope.toml"]),
    ("output_dir_missing", ["run", "good.toml", "-o", "no/such/dir/out.h5"],
     ["output directory 'no/such/dir' does not exist"]),
    ("output_dir_is_a_file", ["run", "good.toml", "-o", "good.toml/out.h5"],
     ["output directory 'good.toml' is a file, not a directory"]),
    ("zero_threads", ["run", "good.toml", "--threads", "0"], ["--threads"]),
    ("optimum_no_problem", ["optimum", "--law", "sardana2024"], ["give --loss L", "or --budget C"]),
    ("optimum_both_problems", ["optimum", "--law", "sardana2024", "--loss", "2", "--budget", "1e20"],
     ["--loss excludes --budget"]),
    ("optimum_unknown_law", ["optimum", "--law", "kaplan", "--loss", "2"],
     ["--law: unknown law preset 'kaplan'", "allowed: chinchilla"]),
    ("optimum_incomplete_custom_law", ["optimum", "--E", "1.7", "--A", "400", "--B", "400", "--alpha", "0.3", "--loss", "2"],
     ["--beta is missing"]),
    ("optimum_negative_alpha", ["optimum", "--law", "sardana2024", "--alpha", "-1", "--loss", "2"],
     ["--alpha = -1 must be finite and > 0"]),
    ("optimum_negative_demand", ["optimum", "--law", "sardana2024", "--loss", "2", "--inference-tokens", "-5"],
     ["--inference-tokens"]),
    ("optimum_usd_without_hardware", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "usd"],
     ["--objective usd needs --hardware PRESET"]),
    ("optimum_hardware_with_flops", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "flops",
                                     "--hardware", "h200-fp8"],
     ["--hardware applies to --objective usd, energy or co2 only", "hardware flags imply usd"]),
    ("optimum_power_zero", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "energy",
                            "--hardware", "sardana2024-default", "--train-power-w", "0"],
     ["--train-power-w = 0 must be finite and > 0"]),
    ("optimum_pue_below_one", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "energy",
                               "--hardware", "sardana2024-default", "--serve-pue", "0.5"],
     ["--serve-pue = 0.5 must be finite and >= 1"]),
    ("optimum_co2_without_intensity", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "co2",
                                       "--hardware", "sardana2024-default", "--train-gco2-per-kwh", "30"],
     ["--serve-gco2-per-kwh is required for objective 'co2'"]),
    ("optimum_co2_negative_intensity", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "co2",
                                        "--hardware", "sardana2024-default", "--train-gco2-per-kwh", "-30",
                                        "--serve-gco2-per-kwh", "400"],
     ["--train-gco2-per-kwh = -30 must be finite and > 0"]),
    ("optimum_energy_without_hardware", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "energy"],
     ["--objective energy needs --hardware PRESET"]),
    ("optimum_mfu_range", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "usd",
                           "--hardware", "sardana2024-default", "--decode-mfu", "2"],
     ["--decode-mfu = 2 is outside (0, 1]"]),
    ("optimum_requests_without_split", ["optimum", "--law", "sardana2024", "--loss", "2", "--requests", "1e9"],
     ["--requests requires --input-tokens"]),
    ("optimum_negative_loss", ["optimum", "--law", "sardana2024", "--loss", "-2"],
     ["--loss", "must be finite and > 0, got -2"]),
    ("optimum_demand_overflow", ["optimum", "--law", "sardana2024", "--loss", "2", "--requests", "1e300",
                                 "--input-tokens", "1e10", "--output-tokens", "1e10"],
     ["--requests x (--input-tokens + --output-tokens) overflows a double"]),
    ("optimum_usd_flags_without_split", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "usd",
                                         "--inference-tokens", "1e12", "--train-gpu", "H100-SXM"],
     ["--objective usd without --hardware needs the demand split",
      "give --requests R --input-tokens I --output-tokens O instead of --inference-tokens"]),
    ("optima_only_without_optima", ["run", "dense.toml", "--optima-only"],
     ["dense.toml: --optima-only leaves nothing to compute: the config declares no loss_target or budget axis"]),
    ("optimum_unknown_gpu_hint_names_the_flag", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "usd",
                                                 "--hardware", "sardana2024-default", "--train-gpu", "h100"],
     # A prefix in another case names H100-SXM, not the H200 one edit away.
     ["--train-gpu: unknown GPU 'h100' (did you mean 'H100-SXM'?)", "hint: or give --train-peak-flops (dense FLOP/s)"]),
    ("optimum_cost_ratio_overflows", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "usd",
                                      "--hardware", "sardana2024-default", "--decode-mfu", "1e-320"],
     ["hardware 'sardana2024-default': its cost per training FLOP"]),
    # Serving constraints (SPEC §5.2): ranges named, settings that shape no bound refused.
    ("optimum_serve_gpus_zero", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "usd", "--hardware", "sardana2024-default",
                                 "--fit-memory", "--serve-gpus", "0"],
     ["--serve-gpus must be an integer >= 1, got 0"]),
    ("optimum_serve_gpus_fraction", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "usd", "--hardware", "sardana2024-default",
                                     "--fit-memory", "--serve-gpus", "1.5"],
     ["--serve-gpus must be an integer >= 1, got 1.5"]),
    ("optimum_memory_reserve_one", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "usd", "--hardware", "sardana2024-default",
                                    "--fit-memory", "--memory-reserve", "1"],
     ["--memory-reserve must be in [0, 1), got 1"]),
    ("optimum_memory_reserve_negative", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "usd", "--hardware", "sardana2024-default",
                                         "--fit-memory", "--memory-reserve", "-0.1"],
     ["--memory-reserve must be in [0, 1), got -0.1"]),
    ("optimum_latency_zero", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "usd", "--hardware", "sardana2024-default",
                              "--max-seconds-per-token", "0"],
     ["--max-seconds-per-token must be finite and > 0, got 0"]),
    ("optimum_bandwidth_efficiency_above_one", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "usd", "--hardware", "sardana2024-default",
                                                "--max-seconds-per-token", "0.01", "--bandwidth-efficiency", "1.5"],
     ["--bandwidth-efficiency must be in (0, 1], got 1.5"]),
    ("optimum_constraint_under_flops", ["optimum", "--law", "sardana2024", "--loss", "2", "--fit-memory"],
     ["--fit-memory needs a serving GPU", "add --objective usd (or energy, co2) with --hardware PRESET"]),
    ("optimum_reserve_without_bound", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "usd", "--hardware", "sardana2024-default",
                                       "--memory-reserve", "0.1"],
     ["--memory-reserve shapes a bound that is not set"]),
    ("optimum_constraint_custom_gpu", ["optimum", "--law", "sardana2024", "--loss", "2", "--objective", "usd", "--hardware", "sardana2024-default",
                                       "--serve-gpu", "custom", "--serve-peak-flops", "1e15", "--fit-memory"],
     ["--serve-gpu 'custom' has no memory or bandwidth figures"]),
    # eval (SPEC §5.3): the model by preset (with "did you mean") or by --params and --tokens.
    ("eval_unknown_model", ["eval", "--law", "chinchilla", "--model", "llama3-8"],
     ["--model: unknown model preset 'llama3-8' (did you mean 'llama3-8b'?)", "model presets: chinchilla-70b"]),
    ("eval_no_model", ["eval", "--law", "chinchilla"], ["give the model: --params N --tokens D, or --model NAME"]),
    ("eval_params_without_tokens", ["eval", "--law", "chinchilla", "--params", "7e9"], ["--params requires --tokens"]),
    ("eval_model_and_params", ["eval", "--law", "chinchilla", "--model", "llama3-8b", "--params", "7e9", "--tokens", "1e12"],
     ["--params excludes --model"]),
    ("eval_negative_params", ["eval", "--law", "chinchilla", "--params", "-7e9", "--tokens", "1e12"],
     ["--params", "must be finite and > 0"]),
    ("empty_output_path", ["run", "good.toml", "-o", ""], ["-o", "must not be empty"]),
    ("checkpoint_nan", ["run", "good.toml", "--checkpoint-seconds", "nan"],
     ["--checkpoint-seconds", "must be finite and >= 0, got nan"]),
    ("checkpoint_negative", ["run", "good.toml", "--checkpoint-seconds", "-5"],
     ["--checkpoint-seconds", "must be finite and >= 0, got -5"]),
    ("zero_memory_limit", ["run", "good.toml", "--memory-limit", "0"],
     ["--memory-limit: '0' is not a size from 1 byte to 8 EiB with a unit B, K, M, G or T"]),
    ("memory_limit_unknown_unit", ["run", "good.toml", "--memory-limit", "1P"],
     ["--memory-limit: '1P' is not a size from 1 byte to 8 EiB"]),
    ("empty_memory_limit", ["run", "good.toml", "--memory-limit", ""], ["--memory-limit", "must not be empty"]),
    ("empty_shard", ["run", "good.toml", "--shard", ""], ["--shard", "must not be empty"]),
    ("output_looks_like_a_flag", ["run", "good.toml", "-o", "--json"],
     ["output path '--json' looks like a flag", "write ./--json if you mean that name"]),
    ("output_named_partial", ["run", "good.toml", "-o", "out.h5.partial"],
     ["output path 'out.h5.partial' ends in '.partial'"]),
    ("output_name_too_long", ["run", "good.toml", "-o", "a" * 300 + ".h5"],
     ["has 303 characters; this filesystem takes"]),
    ("merge_empty_output", ["merge", "a.h5", "-o", ""], ["-o", "must not be empty"]),
]


@pytest.mark.parametrize("name,args,fragments", BAD_FLAGS, ids=[c[0] for c in BAD_FLAGS])
def test_bad_flags(tmp_path, scalesweep, name, args, fragments):
    (tmp_path / "good.toml").write_text(GOOD)
    (tmp_path / "dense.toml").write_text(DENSE)
    proc = scalesweep(*args, check=False, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: "), proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr, f"missing {fragment!r} in:\n{proc.stderr}"
    leftovers = sorted(p.name for p in tmp_path.rglob("*") if p.name not in ("good.toml", "dense.toml"))
    assert leftovers == [], leftovers


def test_failed_run_keeps_the_previous_result(tmp_path, scalesweep):
    """A bad config must not touch an existing file at the output path."""
    out = tmp_path / "out.h5"
    out.write_bytes(b"previous result")
    cfg = tmp_path / "cfg.toml"
    cfg.write_text(GOOD.replace("[0, 1e12]", "[-1]"))
    proc = scalesweep("run", cfg, "-o", out, check=False)
    assert proc.returncode == 2
    assert out.read_bytes() == b"previous result"
    assert not (tmp_path / "out.h5.partial").exists()


def test_a_result_larger_than_the_free_disk_is_refused(tmp_path, scalesweep):
    """A dense grid of 3e6 x 3e6 cells (72 TB) cannot fit: run refuses before creating anything,
    and validate shows the free space next to the size."""
    cfg = tmp_path / "huge.toml"
    cfg.write_text('[law]\npreset = "sardana2024"\n[axes]\nN = { log10 = [8, 12], points = 3000000 }\n'
                   'D = { log10 = [10, 14], points = 3000000 }\n[output]\ndense = ["loss"]\n')
    proc = scalesweep("run", cfg, "-o", tmp_path / "huge.h5", check=False)
    assert_rejected(proc, ["the result needs up to 65.5 TiB but", "is free on the disk of",
                           "--optima-only"], tmp_path)
    plan = scalesweep("validate", cfg, "-o", tmp_path / "huge.h5").stdout
    assert "(65.5 TiB uncompressed; " in plan and " free there)" in plan


def test_an_unwritable_output_directory_is_refused(tmp_path, scalesweep):
    import os
    if os.geteuid() == 0:
        pytest.skip("root may write to any directory")
    (tmp_path / "good.toml").write_text(GOOD)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    proc = scalesweep("run", "good.toml", "-o", "locked/out.h5", check=False, cwd=tmp_path)
    assert proc.returncode == 2 and "cannot create files in 'locked': Permission denied" in proc.stderr


def test_axes_larger_than_the_memory_limit_are_named(tmp_path, scalesweep):
    """Axis values and their per-point terms stay in memory for the whole run: when they alone
    exceed --memory-limit, the error says so and gives the grid's size, not a tile size."""
    cfg = tmp_path / "long.toml"
    cfg.write_text('[law]\npreset = "sardana2024"\n[axes]\nN = { log10 = [8, 12], points = 200000 }\n'
                   'D = { log10 = [10, 14], points = 200000 }\n[output]\ndense = ["loss"]\n')
    for command in (["run", cfg, "-o", tmp_path / "long.h5"], ["validate", cfg]):
        proc = scalesweep(*command, "--memory-limit", "70M", check=False)
        assert_rejected(proc, ["--memory-limit 70.0 MiB cannot hold the axes: their 400,001 points",
                               "40,000,000,000 cells"], tmp_path)
