# Benchmarks (see bench/README.md). Pass options with BENCH_ARGS, e.g.
#   make bench BENCH_ARGS="--rounds 5"
.PHONY: bench bench-smoke

bench:
	bash bench/run.sh $(BENCH_ARGS)

# One short iteration of every scenario; checks the results file is well formed.
bench-smoke:
	bash scripts/setup.sh --browser
	node bench/smoke.mjs
