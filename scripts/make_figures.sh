#!/usr/bin/env bash
# Regenerates every figure in docs/figures/ from the shipped reproduction configs:
# runs each config with build/scalesweep into a temporary directory, then scripts/plot.py.
#   scripts/make_figures.sh [BUILD_DIR]      (after scripts/setup.sh)
# FIGURES=DIR writes the PNGs elsewhere (the tests do); PYTHON picks the interpreter.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
python=${PYTHON:-.venv/bin/python}
figures=${FIGURES:-docs/figures}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$figures"

run() { "$build/scalesweep" run "configs/$1.toml" -o "$work/$1.h5" --quiet; }
plot() { MPLBACKEND=Agg "$python" scripts/plot.py "$work/$1.h5" --kind "$2" -o "$figures/$3.png" "${@:4}"; }

run sardana2024-fig1
plot sardana2024-fig1 savings fig1-savings
plot sardana2024-fig1 size-ratio fig1-size-ratio
run sardana2024-section2
plot sardana2024-section2 ratios section2-ratios
run lesson
plot lesson budget lesson-budget --budget 5.623413251903491e23  # 10^23.75, a grid cell
plot lesson cost-map lesson-cost-map --T 1e12
run hardware-compare
plot hardware-compare hardware hardware-best
run implied-demand
plot implied-demand implied-demand implied-demand \
  --mark llama3-8b=8.03e9:15e12,smollm3-3b=3.08e9:11.2e12,phi4-mini=3.84e9:5e12
run sardana2024-fig1-uncertainty
plot sardana2024-fig1-uncertainty bands fig1-uncertainty-bands
MPLBACKEND=Agg "$python" scripts/plot.py data/epoch2024-bootstrap.h5 --kind fit -o "$figures/epoch2024-fit.png"
run unknown-demand
plot unknown-demand regret-map unknown-demand-regret --loss-target 2.1
plot unknown-demand robust unknown-demand-robust --loss-target 2.1
