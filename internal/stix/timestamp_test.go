package stix

import (
	"strings"
	"testing"
	"time"
)

// versionKeyOf is internal/taxii.VersionKeyOf, repeated here because this package must not
// import the TAXII layer: VersionKey must agree with it for the same instant.
func versionKeyOf(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

func TestVersionKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"2016-04-06T20:03:48Z", "2016-04-06T20:03:48.000000000Z"},
		{"2016-04-06T20:03:48.1Z", "2016-04-06T20:03:48.100000000Z"},
		{"2016-04-06T20:03:48.100Z", "2016-04-06T20:03:48.100000000Z"},
		{"2016-04-06T20:03:48.123456789Z", "2016-04-06T20:03:48.123456789Z"},
		{"0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000000Z"},
		{"2016-04-06T20:03:48.1234567891Z", ""}, // ten digits
		{"2016-04-06T20:03:48+00:00", ""},
		{"2016-02-30T20:03:48Z", ""},
		{"not a time", ""},
	} {
		if got := VersionKey(tc.in); got != tc.want {
			t.Errorf("VersionKey(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if tc.want == "" || tc.in == "" {
			continue
		}
		tm, err := time.Parse(time.RFC3339Nano, tc.in)
		if err != nil {
			t.Fatalf("time.Parse(%q): %v", tc.in, err)
		}
		if got := versionKeyOf(tm); got != tc.want {
			t.Errorf("taxii key of %q = %q, VersionKey = %q", tc.in, got, tc.want)
		}
	}
}

func TestParseTimestampCalendar(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"2000-02-29T00:00:00Z", true},
		{"1900-02-29T00:00:00Z", false},
		{"2024-02-29T00:00:00Z", true},
		{"2023-02-29T00:00:00Z", false},
		{"2023-04-31T00:00:00Z", false},
		{"2023-12-31T23:59:59.999Z", true},
		{"2023-12-31T24:00:00Z", false},
		{"2023-12-31T23:60:00Z", false},
		{"2023-00-10T00:00:00Z", false},
		{"2023-01-00T00:00:00Z", false},
		{"2023-1-10T00:00:00Z", false},
		{"2023-01-10T00:00:00.Z", false},
		{"2023-01-10T00:00:00.1a2Z", false},
		{"2023-01-10T00:00:00", false},
		{"2023-01-10t00:00:00Z", false},
		{"+2023-01-10T00:00:00Z", false},
	} {
		_, reason := parseTimestamp(tc.in)
		if ok := reason == ""; ok != tc.ok {
			t.Errorf("parseTimestamp(%q) ok = %v (%s), want %v", tc.in, ok, reason, tc.ok)
		}
	}
}

func FuzzVersionKey(f *testing.F) {
	for _, s := range []string{"2016-04-06T20:03:48.1Z", "2016-04-06T20:03:48Z", "2000-02-29T23:59:59.123456789Z", "2016-13-06T20:03:48Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		key := VersionKey(s)
		if key == "" {
			return
		}
		// Whatever VersionKey accepts, time.Parse accepts as the same instant.
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatalf("VersionKey(%q) = %q but time.Parse fails: %v", s, key, err)
		}
		if want := versionKeyOf(tm); key != want {
			t.Fatalf("VersionKey(%q) = %q, taxii key %q", s, key, want)
		}
		if len(key) != versionKeyLen || !strings.HasSuffix(s, "Z") {
			t.Fatalf("VersionKey(%q) = %q", s, key)
		}
	})
}
