GO      ?= go
PKGS    := ./...
FUZZTIME ?= 20s
# Minimising a new interesting input shows as minutes at 0 execs/s;
# bounding it keeps a fuzz run from looking like (or being) a hang.
FUZZMINTIME ?= 10s
SHELL   := /bin/bash

.PHONY: all build test vet bench fuzz fuzz-long fmt check-fmt clean

all: build

build:
	$(GO) build -o bin/gosips ./cmd/gosips

vet:
	$(GO) vet $(PKGS)

check-fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# test: formatting, vet, unit + end-to-end tests, then a bounded fuzz pass.
# The summary lists tests run/skipped per package and fails on a skip not
# in .ci/allowed-skips (GOSIPS_E2E_REQUIRED=1 turns a missing tool, server
# or corpus into a failure; .ci/run sets it).
test: check-fmt vet
	set -o pipefail; $(GO) test -json -count=1 -timeout 20m $(PKGS) | $(GO) run ./internal/testsummary -allow .ci/allowed-skips
	$(MAKE) fuzz FUZZTIME=$(FUZZTIME)

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# fuzz runs every fuzz target for FUZZTIME each (.ci/fuzz.sh).
fuzz:
	GO=$(GO) .ci/fuzz.sh $(FUZZTIME) $(FUZZMINTIME)

# fuzz-long: the same targets for longer (FUZZTIME each, 10m unless given),
# e.g. make fuzz-long FUZZTIME=30m.
fuzz-long:
	$(MAKE) fuzz FUZZTIME=$(if $(filter command line,$(origin FUZZTIME)),$(FUZZTIME),10m) FUZZMINTIME=60s

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
