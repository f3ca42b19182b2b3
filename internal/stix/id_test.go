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

func TestValidID(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", true},
		{"x-mitre-tactic--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", true},
		{"indicator--8E2E2D2B-17d4-4cbf-938f-98ee46b3cd3f", true},
		{"indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", false},
		{"in--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", false},
		{"indicator--8e2e2d2b17d4-4cbf-938f-98ee46b3cd3f0", false},
		{"Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", false},
		{"", false},
		{"--", false},
	}
	for _, tt := range tests {
		if got := ValidID(tt.in); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestValidTypeAndUUID(t *testing.T) {
	for _, tt := range []struct {
		in        string
		typ, uuid bool
	}{
		{"indicator", true, false},
		{"x-mitre-tactic", true, false},
		{"ab", false, false},
		{strings.Repeat("a", 250), true, false},
		{strings.Repeat("a", 251), false, false},
		{"Indicator", false, false},
		{"8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", true, true},
		{"8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F", false, true},
		{"8e2e2d2b-17d4-4cbf-938f98ee46b3cd3f0", true, false},
		{"8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3g", true, false},
		{"", false, false},
	} {
		if got := ValidType(tt.in); got != tt.typ {
			t.Errorf("ValidType(%q) = %v, want %v", tt.in, got, tt.typ)
		}
		if got := ValidUUID(tt.in); got != tt.uuid {
			t.Errorf("ValidUUID(%q) = %v, want %v", tt.in, got, tt.uuid)
		}
	}
}

func TestMarkingDefinitionHasOneVersion(t *testing.T) {
	o, err := Parse([]byte(`{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--62fd3f9b-15f3-4ebc-802c-91fce9536bcf","created":"2021-03-13T20:09:20.886268Z","modified":"2021-12-01T16:19:51.601791Z","definition_type":"statement","definition":{"statement":"BSD-3-Clause"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := o.Version(); got != "2021-03-13T20:09:20.886268Z" {
		t.Errorf("Version() = %q, want the created timestamp: marking definitions cannot be versioned", got)
	}
}
