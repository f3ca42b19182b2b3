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

# Measures ingest, page latency at 10k and 1M objects (plain and with a mix of policies,
# requests interleaved across the three) and peak RSS of a 1M import; with
# FIREBREAK_TEST_POSTGRES set, the same on PostgreSQL with one and two nodes. Prints a
# table and writes bench-results/latest.json. Takes about five minutes on 2 cores.
bench: build
	go run ./cmd/firebreak-bench -bin $(BIN) -out bench-results/latest.json $(if $(FIREBREAK_TEST_POSTGRES),-postgres '$(FIREBREAK_TEST_POSTGRES)')

ci:
	.ci/run

clean:
	rm -rf bin
