"""The names scalesweep writes into result files (src/output/schema.hpp), from result_schema.json:
the copy of the schema that a test keeps equal to what the build writes. Readers take every
variable, dimension, attribute and status name from here rather than spelling them."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMA: dict[str, Any] = json.loads(Path(__file__).with_name("result_schema.json").read_text())
FORMAT_VERSION: int = SCHEMA["format_version"]
ATTRIBUTES: dict[str, Any] = SCHEMA["attributes"]
PROGRESS: dict[str, str] = SCHEMA["progress"]
PROBLEMS: dict[str, dict[str, Any]] = SCHEMA["problems"]
STATUSES: dict[str, dict[str, Any]] = SCHEMA["statuses"]

LOSS_TARGET: dict[str, str] = PROBLEMS["loss_target"]["variables"]  # opt_N, ... by column (N, ...)
BUDGET: dict[str, str] = PROBLEMS["budget"]["variables"]
BUDGET_CURVE: dict[str, str] = PROBLEMS["budget_curve"]["variables"]
# Under law samples (SPEC §5.5): quantiles over the samples (leading `quantile` dimension).
LOSS_TARGET_QUANTILES: dict[str, str] = PROBLEMS["loss_target_quantiles"]["variables"]
BUDGET_QUANTILES: dict[str, str] = PROBLEMS["budget_quantiles"]["variables"]
ROBUST_QUANTILES: dict[str, str] = PROBLEMS["robust_quantiles"]["variables"]
REGRET_QUANTILES: dict[str, str] = PROBLEMS["regret_quantiles"]["variables"]
# The names of a `scalesweep fit -o` law-samples file.
LAW_SAMPLES: dict[str, Any] = SCHEMA["law_samples"]
COST: str = PROBLEMS["dense_cost"]["variables"]["cost"]
LOSS: str = PROBLEMS["dense_loss"]["variables"]["loss"]
IMPLIED: dict[str, str] = PROBLEMS["implied_demand"]["variables"]  # implied_T, implied_status
REGRET: dict[str, str] = PROBLEMS["regret"]["variables"]  # regret, regret_status
ROBUST: dict[str, str] = PROBLEMS["robust"]["variables"]  # robust_N, robust_D, robust_regret, ...
OK: int = STATUSES["ok"]["code"]
CONSTRAINED: int = STATUSES["constrained"]["code"]  # the optimum on a serving bound (SPEC §5.2)
# The codes of cells that hold an optimum (ok, constrained): the C++ table's rule, from the schema.
OPTIMUM_CODES: tuple[int, ...] = tuple(s["code"] for s in STATUSES.values() if s["has_optimum"])


def dimension(name: str) -> str:
    """A dimension of result files (the config's axis names, which the schema lists)."""
    if name not in SCHEMA["dimensions"]:
        raise KeyError(f"result_schema.json has no dimension '{name}'")
    return name


DIM_HARDWARE, DIM_T, DIM_N, DIM_D, DIM_LOSS_TARGET, DIM_BUDGET = map(
    dimension, ("hardware", "T", "N", "D", "loss_target", "budget"))
DIM_SAMPLE, DIM_QUANTILE = map(dimension, ("sample", "quantile"))
DIM_SPREAD, DIM_T_PLAN = map(dimension, ("spread", "T_plan"))


def status_names() -> list[str]:
    """The status codes' names, by code ("ok", "infeasible", ...)."""
    return [name for name, _ in sorted(STATUSES.items(), key=lambda item: item[1]["code"])]
