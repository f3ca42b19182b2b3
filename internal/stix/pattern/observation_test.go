package pattern

import (
	"encoding/json"
	"testing"

	firebreak "github.com/firebreak/firebreak"
)

func TestObservationFromSTIX(t *testing.T) {
	scos := map[string]json.RawMessage{
		"network-traffic--1": json.RawMessage(`{"type": "network-traffic", "id": "network-traffic--1", "dst_ref": "ipv4-addr--2", "src_ref": "ipv4-addr--9", "dst_port": 443, "protocols": ["tcp"]}`),
		"ipv4-addr--2":       json.RawMessage(`{"type": "ipv4-addr", "id": "ipv4-addr--2", "value": "203.0.113.33"}`),
		"file--3":            json.RawMessage(`{"type": "file", "id": "file--3", "name": "a.zip", "size": 12345678901234567, "extensions": {"archive-ext": {"contains_refs": ["file--4"]}}}`),
		"file--4":            json.RawMessage(`{"type": "file", "id": "file--4", "name": "evil.exe"}`),
		"file--5":            json.RawMessage(`{"type": "file", "id": "file--5", "name": "unrelated.exe"}`),
	}
	od := `{"type": "observed-data", "id": "observed-data--0", "first_observed": "2024-01-01T10:00:00Z",
		"last_observed": "2024-01-01T10:05:00.5Z", "number_observed": 3, "object_refs": ["network-traffic--1", "file--3"]}`
	o, err := ObservationFromSTIX([]byte(od), scos)
	if err != nil {
		t.Fatal(err)
	}
	if o.Count != 3 || !o.First.Equal(ts(t, "2024-01-01T10:00:00Z")) || !o.Last.Equal(ts(t, "2024-01-01T10:05:00.5Z")) {
		t.Errorf("observation = %d, %v, %v", o.Count, o.First, o.Last)
	}
	// The referenced ipv4-addr--2 and file--4 are included; file--5 is not referenced and
	// ipv4-addr--9 is not given.
	if len(o.Objects) != 4 || o.Objects["ipv4-addr--2"] == nil || o.Objects["file--4"] == nil {
		t.Errorf("objects = %v", o.Objects)
	}
	obs := []Observation{o}
	for _, tt := range []struct {
		pattern string
		want    bool
	}{
		{"[network-traffic:dst_ref.value = '203.0.113.33' AND network-traffic:dst_port = 443]", true},
		{"[file:extensions.'archive-ext'.contains_refs[*].name = 'evil.exe']", true},
		{"[file:name = 'unrelated.exe']", false},
		{"[file:size = 12345678901234567]", true}, // beyond float64 precision
		{"[file:size = 12345678901234568]", false},
		{"[network-traffic:dst_port = 443] REPEATS 3 TIMES", true},
		{"[network-traffic:dst_port = 443] REPEATS 4 TIMES", false},
	} {
		if got := mustParse(t, tt.pattern).Match(obs); got != tt.want {
			t.Errorf("%s: Match = %v, want %v", tt.pattern, got, tt.want)
		}
	}
}

func TestObservationFromSTIXEmbedded(t *testing.T) {
	// The deprecated form, as in the STIX 2.0 examples.
	od := `{"type": "observed-data", "first_observed": "2005-01-21T11:17:41Z", "last_observed": "2005-01-21T11:22:41Z",
		"number_observed": 5, "objects": {
			"0": {"type": "file", "hashes": {"SHA-256": "bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c"}},
			"1": {"type": "file", "hashes": {"MD5": "22A0FB8F3879FB569F8A3FF65850A82E"}},
			"3": {"type": "file", "mime_type": "application/zip", "extensions": {"archive-ext": {"contains_refs": ["0", "1"], "version": "5.0"}}}}}`
	o, err := ObservationFromSTIX([]byte(od), nil)
	if err != nil {
		t.Fatal(err)
	}
	p := mustParse(t, "[file:extensions.'archive-ext'.contains_refs[*].hashes.MD5 = '22a0fb8f3879fb569f8a3ff65850a82e']")
	if !p.Match([]Observation{o}) {
		t.Error("Match = false, want true")
	}
}

func TestObservationFromSTIXErrors(t *testing.T) {
	for _, od := range []string{
		`not json`,
		`{"type": "indicator"}`,
		`{"type": "observed-data", "first_observed": "yesterday", "last_observed": "2024-01-01T10:00:00Z", "number_observed": 1, "object_refs": ["x--1"]}`,
		`{"type": "observed-data", "first_observed": "2024-01-01T10:00:00Z", "last_observed": "", "number_observed": 1, "object_refs": ["x--1"]}`,
		`{"type": "observed-data", "first_observed": "2024-01-01T10:00:00Z", "last_observed": "2024-01-01T10:00:00Z", "number_observed": 0, "object_refs": ["x--1"]}`,
		`{"type": "observed-data", "first_observed": "2024-01-01T10:00:00Z", "last_observed": "2024-01-01T10:00:00Z", "object_refs": ["x--1"]}`,
		`{"type": "observed-data", "first_observed": "2024-01-01T10:00:00Z", "last_observed": "2024-01-01T10:00:00Z", "number_observed": 1}`,
		`{"type": "observed-data", "first_observed": "2024-01-01T10:00:00Z", "last_observed": "2024-01-01T10:00:00Z", "number_observed": 1, "objects": {"0": [1]}}`,
	} {
		_, err := ObservationFromSTIX([]byte(od), nil)
		if firebreak.ErrorCode(err) != firebreak.EINVALID {
			t.Errorf("ObservationFromSTIX(%s) = %v, want an %s error", od, err, firebreak.EINVALID)
		}
	}
	_, err := ObservationFromSTIX([]byte(`{"type": "observed-data", "first_observed": "2024-01-01T10:00:00Z", "last_observed": "2024-01-01T10:00:00Z", "number_observed": 1, "object_refs": ["x--1"]}`),
		map[string]json.RawMessage{"x--1": json.RawMessage(`{"type": "x"} {}`)})
	if firebreak.ErrorCode(err) != firebreak.EINVALID {
		t.Errorf("trailing data: err = %v, want an %s error", err, firebreak.EINVALID)
	}
}
