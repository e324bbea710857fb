# Convenience targets. The CI gate is scripts/test.sh.
.PHONY: test bench-engine bench-engine-breakdown bench-naive bench bench-api bench-order-to-trade bench-growth bench-ledger bench-host bench-host-gc

test:
	scripts/test.sh

bench-engine:  ## 1,000,000 ops through the compiled and the interpreted matching engine
	bench/engine.sh 1000000

bench-engine-breakdown:  ## the compiled engine's time by kind of operation (limit, IOC, market, cancel; after bench-engine)
	scripts/build_engine.sh && PYTHONPATH=.build/engine .venv/bin/python bench/engine_breakdown.py

bench-naive:  ## the engine issue's naive yardstick book on the same workload (calibrates the machine; after bench-engine)
	.venv/bin/python bench/naive_engine_bench.py

# The benchmarks behind BENCHMARKS.md. Each HTTP one starts its own `castle up` (free ports, fresh
# database) and stops it; they print figures, they are not tests.
bench: bench-api bench-order-to-trade bench-growth bench-ledger bench-engine bench-host bench-host-gc

bench-api:  ## 500 req/s of the request mix for 60 s against a fresh local stack
	.venv/bin/python bench/api_bench.py --rate 500 --duration 60 --json bench/results/api.json

bench-order-to-trade:  ## POST /api/v3/order (crossing) -> trade on the WebSocket feed, 200 samples
	.venv/bin/python bench/order_to_trade_bench.py --samples 200 --json bench/results/order_to_trade.json

bench-growth:  ## API at 100/250/500/1000 req/s, engine at 10k/100k/1M resting orders: table + PNG
	.venv/bin/python bench/growth_bench.py

bench-ledger:  ## hold + settle throughput of the PostgreSQL ledger
	PYTHONPATH=. .venv/bin/python bench/ledger_bench.py

bench-host:  ## engine host pipeline throughput (in-memory transport, then moto); compiled engine from bench-engine
	PYTHONPATH=.build/engine .venv/bin/python bench/host_bench.py

bench-host-gc:  ## garbage-collector pauses in the host pipeline as the book grows: CPython's default against the host's freezing
	scripts/build_engine.sh && PYTHONPATH=.build/engine .venv/bin/python bench/host_gc_bench.py
