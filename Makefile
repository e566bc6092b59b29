GO      ?= go
PKGS    := ./...
FUZZTIME ?= 20s

.PHONY: all build test vet bench fuzz fmt check-fmt clean

all: build

build:
	$(GO) build -o bin/gosips ./cmd/gosips

vet:
	$(GO) vet $(PKGS)

check-fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# test: formatting, vet, unit + end-to-end tests, then a bounded fuzz pass.
test: check-fmt vet
	$(GO) test -count=1 -timeout 20m $(PKGS)
	$(MAKE) fuzz FUZZTIME=$(FUZZTIME)

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# fuzz runs every fuzz target for FUZZTIME each.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$f ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; \
	done

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
