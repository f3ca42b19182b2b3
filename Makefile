# Firebreak. `make` builds, `make test` runs the tests, `make bench` measures.
BIN := bin/firebreak

.PHONY: build test race fuzz bench ci clean

build:
	go build -o $(BIN) ./cmd/firebreak

test:
	go test ./...

race:
	go test -race -short ./...

# A short run of every fuzz target (FUZZTIME each).
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$(go list ./...); do \
	  for f in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; go test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# Measures ingest, page latency at 10k and 1M objects and peak RSS of a 1M import.
# Prints a table and writes bench-results/latest.json. Takes a few minutes.
bench: build
	go run ./cmd/firebreak-bench -bin $(BIN) -out bench-results/latest.json

ci:
	.ci/run

clean:
	rm -rf bin
