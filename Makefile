# Convenience targets. The CI gate is scripts/test.sh.
.PHONY: test bench-engine

test:
	scripts/test.sh

bench-engine:  ## 1,000,000 ops through the compiled and the interpreted matching engine
	bench/engine.sh 1000000
