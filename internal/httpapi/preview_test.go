package httpapi

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/firebreak/firebreak/internal/policy"
)

// draftsTrust is a Trust that only records the drafts a preview hands it.
type draftsTrust struct {
	Trust
	drafts [][]byte
}

func (t *draftsTrust) Preview(ctx context.Context, collection string, drafts [][]byte) ([]policy.Preview, error) {
	t.drafts = drafts
	return nil, nil
}

// TestPreviewSplitsOnlyEnvelopesAndBundles: a draft envelope or bundle is previewed object
// by object; a single object is previewed whole, even one whose own "objects" property is
// not an array of STIX objects (observed-data's deprecated object map).
func TestPreviewSplitsOnlyEnvelopesAndBundles(t *testing.T) {
	const ind = `{"type":"indicator","id":"indicator--00000000-0000-4000-8000-000000000001"}`
	tests := []struct {
		name, body string
		want       int // drafts handed to the guard
	}{
		{"single object", ind, 1},
		{"envelope", `{"objects":[` + ind + `,` + ind + `]}`, 2},
		{"bundle", `{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001","objects":[` + ind + `]}`, 1},
		{"observed-data with an object map", `{"type":"observed-data","id":"observed-data--00000000-0000-4000-8000-000000000001","objects":{"0":{"type":"ipv4-addr","value":"192.0.2.1"}}}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trust := &draftsTrust{}
			s := New(Config{Trust: trust})
			r := httptest.NewRequest("POST", "/v1/preview", strings.NewReader(tt.body))
			if err := s.preview(httptest.NewRecorder(), r); err != nil {
				t.Fatalf("preview: %v", err)
			}
			if got := len(trust.drafts); got != tt.want {
				t.Errorf("drafts = %d, want %d", got, tt.want)
			}
		})
	}
}
