package httpapi

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/policy"
)

// TestDecodeJSONMessagesAreSafe: a body the JSON API cannot read is an invalid request
// whose message says what is wrong without the decoder's own text (Go type and field
// names, package prefixes).
func TestDecodeJSONMessagesAreSafe(t *testing.T) {
	tests := []struct {
		name, body string
		want       string // in the message
	}{
		{"syntax", `{"kind": objects}`, "byte"},
		{"wrong type", `{"kind": 5}`, "kind"},
		{"unknown field", `{"kind": "objects", "bogus": 1}`, "field"},
		{"truncated", `{"kind": "obj`, "incomplete"},
		{"empty", ``, "empty"},
		{"trailing data", `{} {}`, "after the JSON value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/v1/disclosures", strings.NewReader(tt.body))
			var ask policy.DisclosureAsk
			err := decodeJSON(httptest.NewRecorder(), r, &ask)
			if code := firebreak.ErrorCode(err); code != firebreak.EINVALID {
				t.Fatalf("code = %q (%v), want %q", code, err, firebreak.EINVALID)
			}
			msg := firebreak.ErrorMessage(err)
			for _, leak := range []string{"json:", "Go ", "struct", "policy.", "DisclosureAsk", "EOF", "invalid character"} {
				if strings.Contains(msg, leak) {
					t.Errorf("message %q carries the decoder's text %q", msg, leak)
				}
			}
			if !strings.Contains(msg, tt.want) {
				t.Errorf("message %q does not say %q", msg, tt.want)
			}
		})
	}
}
