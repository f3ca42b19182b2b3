package policy

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

// TestFailureMessagesAreSafe: a rejected object's status says why in the validator's
// words, and never carries the text of an error that is not meant for clients.
func TestFailureMessagesAreSafe(t *testing.T) {
	raw := json.RawMessage(`{"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000001"}`)
	_, parseErr := stix.Parse(json.RawMessage(`{"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000001","spec_version":"2.1"}`))
	if parseErr == nil {
		t.Fatal("the incomplete indicator parsed")
	}
	tests := []struct {
		name    string
		err     error
		want    string
		notWant string
	}{
		{"validator", parseErr, firebreak.ErrorMessage(parseErr), ""},
		{"invalid request", firebreak.Errorf(firebreak.EINVALID, "x: pattern: bad"), "x: pattern: bad", ""},
		{"internal", errors.New("sql: connection refused at 10.0.0.7"), "internal error", "10.0.0.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := failureOf(0, raw, tt.err).Message
			if got != tt.want || tt.notWant != "" && strings.Contains(got, tt.notWant) {
				t.Errorf("message = %q, want %q", got, tt.want)
			}
		})
	}
}
