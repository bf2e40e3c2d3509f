"""The suite `make bench` runs: speed and memory of each stage, regenerated into BENCHMARKS."""
