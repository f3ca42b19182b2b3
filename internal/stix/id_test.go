package stix

import (
	"strings"
	"testing"
)

func TestDeriveIDKnownVector(t *testing.T) {
	// RFC 9562 appendix A.4: UUIDv5 of "www.example.com" in the DNS namespace.
	got := DeriveID("identity", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com")
	want := "identity--2ed6657d-e927-568b-95e1-2665a8aea6a2"
	if got != want {
		t.Errorf("DeriveID = %s, want %s", got, want)
	}
}

func TestNewIDIsVersion4AndUnique(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := NewID("indicator")
		u, ok := strings.CutPrefix(id, "indicator--")
		if !ok || len(u) != 36 || u[14] != '4' || !strings.ContainsRune("89ab", rune(u[19])) {
			t.Fatalf("NewID = %q, not a version 4 UUID id", id)
		}
		if seen[id] {
			t.Fatalf("NewID repeated %q", id)
		}
		seen[id] = true
	}
}
