package firebreak

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestJSONProblem(t *testing.T) {
	decode := func(doc string) error {
		var v struct {
			Name  string `json:"name"`
			Items []int  `json:"items"`
		}
		d := json.NewDecoder(strings.NewReader(doc))
		d.DisallowUnknownFields()
		return d.Decode(&v)
	}
	tests := []struct{ doc, want string }{
		{`{"name": x}`, "invalid JSON at byte 10"},
		{`{"name": 5}`, "name has the wrong type (a JSON number is not accepted there)"},
		{`{"items": ["a"]}`, "items has the wrong type (a JSON string is not accepted there)"},
		{``, "empty; a JSON object is required"},
		{`{"name": "a"`, "incomplete JSON"},
		{`{"other": 1}`, ""}, // the caller's to say, in its own terms
	}
	for _, tt := range tests {
		got := JSONProblem(decode(tt.doc))
		if got != tt.want {
			t.Errorf("%q: %q, want %q", tt.doc, got, tt.want)
		}
		if strings.Contains(got, "Go") || strings.Contains(got, "struct") || strings.Contains(got, "json:") {
			t.Errorf("%q: %q names the decoder's internals", tt.doc, got)
		}
	}
}
