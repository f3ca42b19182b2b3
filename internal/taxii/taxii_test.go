package taxii

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		name  string
		query string
		e     Endpoint
		check func(f firebreak.ObjectFilter) bool
		err   string
	}{
		{"defaults", "", EndpointObjects, func(f firebreak.ObjectFilter) bool {
			return f.Limit == 1000 && f.Versions.IsZero() && f.AddedAfter.IsZero() && f.After.IsZero()
		}, ""},
		{"limit capped", "limit=999999", EndpointObjects, func(f firebreak.ObjectFilter) bool { return f.Limit == 10000 }, ""},
		{"limit", "limit=7", EndpointObjects, func(f firebreak.ObjectFilter) bool { return f.Limit == 7 }, ""},
		{"zero limit", "limit=0", EndpointObjects, nil, "limit"},
		{"negative limit", "limit=-1", EndpointObjects, nil, "limit"},
		{"limit twice", "limit=1&limit=2", EndpointObjects, nil, "given 2 times"},
		{"added_after", "added_after=2024-01-02T03:04:05.123456Z", EndpointObjects, func(f firebreak.ObjectFilter) bool {
			return f.AddedAfter.Equal(time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC))
		}, ""},
		{"added_after with offset", "added_after=2024-01-02T03:04:05%2B01:00", EndpointObjects, nil, "added_after"},
		{"added_after garbage", "added_after=yesterday", EndpointObjects, nil, "added_after"},
		{"ids", "match[id]=indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f,malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", EndpointObjects,
			func(f firebreak.ObjectFilter) bool { return len(f.IDs) == 2 }, ""},
		{"bad id", "match[id]=indicator--nope", EndpointObjects, nil, "match[id]"},
		{"upper-case uuid", "match[id]=indicator--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F", EndpointObjects,
			func(f firebreak.ObjectFilter) bool { return len(f.IDs) == 1 }, ""},
		{"bad id type", "match[id]=Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", EndpointObjects, nil, "match[id]"},
		{"bad id uuid", "match[id]=indicator--8e2e2d2b-17d4-4cbf-938f98ee46b3cd3f0", EndpointObjects, nil, "match[id]"},
		{"types", "match[type]=indicator,x-custom-thing", EndpointObjects, func(f firebreak.ObjectFilter) bool { return len(f.Types) == 2 }, ""},
		{"bad type", "match[type]=Indicator", EndpointObjects, nil, "match[type]"},
		{"empty value", "match[type]=indicator,,malware", EndpointObjects, nil, "empty value"},
		{"versions", "match[version]=first,last,all,2024-01-01T00:00:00.1Z", EndpointObjects, func(f firebreak.ObjectFilter) bool {
			return f.Versions.First && f.Versions.Last && f.Versions.All && len(f.Versions.At) == 1 && f.Versions.At[0] == "2024-01-01T00:00:00.100000000Z"
		}, ""},
		{"bad version", "match[version]=newest", EndpointObjects, nil, "match[version]"},
		{"spec version", "match[spec_version]=2.1", EndpointObjects, func(f firebreak.ObjectFilter) bool { return f.SpecVersions[0] == "2.1" }, ""},
		{"bad spec version", "match[spec_version]=two", EndpointObjects, nil, "match[spec_version]"},
		{"versions endpoint ignores match[version]", "match[version]=bogus", EndpointVersions, func(f firebreak.ObjectFilter) bool { return f.Versions.IsZero() }, ""},
		{"delete ignores limit", "limit=bogus", EndpointDelete, func(f firebreak.ObjectFilter) bool { return true }, ""},
		{"bad next", "next=abc", EndpointObjects, nil, "next"},
		{"next", "next=" + mustEncode(testCursors, firebreak.Cursor{Added: 7, Seq: 8}), EndpointObjects,
			func(f firebreak.ObjectFilter) bool { return f.After == firebreak.Cursor{Added: 7, Seq: 8} }, ""},
		{"next of another reader", "next=" + mustEncode(testKey.For("identity--b", "c1"), firebreak.Cursor{Added: 7, Seq: 8}), EndpointObjects, nil, "not a token this server issued"},
		{"too many values", "match[type]=" + strings.Repeat("abc,", 100) + "abc", EndpointObjects, nil, "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			f, err := ParseQuery(q, tt.e, DefaultLimits, testCursors)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || firebreak.ErrorCode(err) != firebreak.EINVALID {
					t.Fatalf("err = %v, want invalid mentioning %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !tt.check(f) {
				t.Errorf("filter = %+v", f)
			}
		})
	}
}

func TestMediaTypes(t *testing.T) {
	accept := map[string]bool{
		"":                                   true,
		"*/*":                                true,
		"application/taxii+json;version=2.1": true,
		"application/taxii+json":             true,
		"application/taxii+json; version=2.1; q=0.5": true,
		"text/html, application/*;q=0.1":             true,
		"application/taxii+json;version=2.0":         false,
		"text/html":                                  false,
		"application/taxii+json;version=2.1;q=0":     false,
		"application/json":                           false,
	}
	for h, want := range accept {
		if got := Acceptable(h); got != want {
			t.Errorf("Acceptable(%q) = %v, want %v", h, got, want)
		}
	}
	ct := map[string]bool{
		"application/taxii+json;version=2.1":  true,
		"application/taxii+json; version=2.1": true,
		"application/taxii+json":              true,
		"application/taxii+json;version=2.0":  false,
		"application/json":                    false,
		"":                                    false,
	}
	for h, want := range ct {
		if got := ContentTypeOK(h); got != want {
			t.Errorf("ContentTypeOK(%q) = %v, want %v", h, got, want)
		}
	}
}

func FuzzParseQuery(f *testing.F) {
	f.Add("limit=10&added_after=2024-01-01T00:00:00Z&match[type]=indicator&match[version]=all")
	f.Add("match[id]=indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f&next=AQ")
	f.Add("limit=1&next=" + mustEncode(testCursors, firebreak.Cursor{Added: 1, Seq: 2}))
	f.Add("match[spec_version]=2.1,2.0&limit=1")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for _, e := range []Endpoint{EndpointObjects, EndpointManifest, EndpointObject, EndpointVersions, EndpointDelete} {
			f, err := ParseQuery(q, e, DefaultLimits, testCursors)
			if err != nil {
				if firebreak.ErrorCode(err) != firebreak.EINVALID {
					t.Fatalf("error code %s for %q", firebreak.ErrorCode(err), raw)
				}
				continue
			}
			if f.Limit < 1 || f.Limit > DefaultLimits.MaxPage {
				t.Fatalf("limit %d out of range for %q", f.Limit, raw)
			}
			if len(f.IDs) > DefaultLimits.MaxValues || len(f.Types) > DefaultLimits.MaxValues {
				t.Fatalf("too many values for %q", raw)
			}
		}
	})
}
