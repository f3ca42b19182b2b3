package taxiiclient

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/taxii"
)

// looping serves answer for each request, until limit requests: then it answers 500 so
// that a client that would loop forever ends, with the wrong error, instead of hanging.
func looping(t *testing.T, limit int64, answer func(w http.ResponseWriter, r *http.Request, n int64)) *Client {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		if i > limit {
			http.Error(w, "the client looped", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", taxii.MediaType)
		answer(w, r, i)
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL+"/api/", Options{HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPagerRefusesToLoop(t *testing.T) {
	obj := `{"id":"x--1"}`
	stamp := func(i int64) string {
		return taxii.FormatTimestamp(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second))
	}
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request, n int64)
	}{
		{name: "next seen before", answer: func(w http.ResponseWriter, r *http.Request, n int64) {
			// a -> b -> a -> b ...
			next := map[string]string{"": "a", "a": "b", "b": "a"}[r.URL.Query().Get("next")]
			fmt.Fprintf(w, `{"more":true,"next":%q,"objects":[%s]}`, next, obj)
		}},
		{name: "new token, first page again", answer: func(w http.ResponseWriter, r *http.Request, n int64) {
			w.Header().Set(taxii.HeaderDateAddedFirst, stamp(0))
			w.Header().Set(taxii.HeaderDateAddedLast, stamp(1))
			fmt.Fprintf(w, `{"more":true,"next":"t%d","objects":[%s,%s]}`, n, obj, obj)
		}},
		{name: "new token, date added goes back", answer: func(w http.ResponseWriter, r *http.Request, n int64) {
			w.Header().Set(taxii.HeaderDateAddedLast, stamp(10-n))
			fmt.Fprintf(w, `{"more":true,"next":"t%d","objects":[%s]}`, n, obj)
		}},
		{name: "new token, empty pages", answer: func(w http.ResponseWriter, r *http.Request, n int64) {
			fmt.Fprintf(w, `{"more":true,"next":"t%d","objects":[]}`, n)
		}},
		{name: "without next, date added does not advance", answer: func(w http.ResponseWriter, r *http.Request, n int64) {
			w.Header().Set(taxii.HeaderDateAddedLast, stamp(1))
			fmt.Fprintf(w, `{"more":true,"objects":[%s]}`, obj)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := looping(t, 3*maxStalledPages, tt.answer)
			errs := 0
			for _, err := range c.All(context.Background(), "c", Query{}) {
				if err != nil {
					errs++
					if firebreak.ErrorCode(err) != firebreak.EINVALID || StatusCode(err) != 0 {
						t.Errorf("error %v has code %q, want invalid from the client", err, firebreak.ErrorCode(err))
					}
				}
			}
			if errs != 1 {
				t.Errorf("All yielded %d errors, want 1", errs)
			}
		})
	}
}

// TestPagerPosition checks where a pager stands after each page, and what it asks next,
// for a server with next and one without.
func TestPagerPosition(t *testing.T) {
	const (
		d1 = "2024-01-01T00:00:01.000000Z"
		d2 = "2024-01-01T00:00:02.000000Z"
	)
	var mu sync.Mutex
	var queries []string
	c := looping(t, 100, func(w http.ResponseWriter, r *http.Request, n int64) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		switch n {
		case 1:
			w.Header().Set(taxii.HeaderDateAddedLast, d1)
			fmt.Fprint(w, `{"more":true,"next":"a","objects":[{"id":"x--1"}]}`)
		case 2:
			w.Header().Set(taxii.HeaderDateAddedLast, d2)
			fmt.Fprint(w, `{"more":true,"objects":[{"id":"x--2"}]}`)
		default:
			fmt.Fprint(w, `{"objects":[]}`)
		}
	})
	p, err := c.Pager("c", Query{}, PagerOptions{From: Position{DateAdded: "2024-01-01T02:00:00.5+02:00", Complete: true}, Overlap: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []Position{
		{Next: "a", DateAdded: d1},
		{DateAdded: d2},
		{DateAdded: d2, Complete: true},
	}
	for i := 0; p.More(); i++ {
		if _, err := p.Next(context.Background()); err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		if i >= len(want) {
			t.Fatalf("more than %d pages", len(want))
		}
		if got := p.Position(); got != want[i] {
			t.Errorf("after page %d: position %+v, want %+v", i, got, want[i])
		}
	}
	wantQ := []string{
		"added_after=2024-01-01T00%3A00%3A00.5Z", // complete: strictly after, normalised
		"next=a",
		"added_after=2024-01-01T00%3A00%3A01.999999Z", // overlap: just before d2
	}
	mu.Lock()
	defer mu.Unlock()
	if fmt.Sprint(queries) != fmt.Sprint(wantQ) {
		t.Errorf("queries %q, want %q", queries, wantQ)
	}
}

func TestParseDateAdded(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{in: "2024-01-01T00:00:00.123456Z", want: "2024-01-01T00:00:00.123456Z", ok: true},
		{in: "2024-01-01T00:00:00.123456789Z", want: "2024-01-01T00:00:00.123456789Z", ok: true},
		{in: "2024-01-01T00:00:00Z", want: "2024-01-01T00:00:00Z", ok: true},
		{in: "2024-01-01T02:00:00.120+02:00", want: "2024-01-01T00:00:00.120Z", ok: true},
		{in: "2024-01-01T00:30:00-01:00", want: "2024-01-01T01:30:00Z", ok: true},
		{in: "2024-01-01T00:00:00.000000001-00:00", want: "2024-01-01T00:00:00.000000001Z", ok: true},
		{in: "2023-12-31T23:59:59.9+00:30", want: "2023-12-31T23:29:59.9Z", ok: true},
		{in: ""},
		{in: "yesterday"},
		{in: "2024-01-01 00:00:00Z"},
		{in: "2024-01-01T00:00:00"},
	}
	for _, tt := range tests {
		tm, got, err := ParseDateAdded(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ParseDateAdded(%q) error %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if !tt.ok {
			if firebreak.ErrorCode(err) != firebreak.EINVALID {
				t.Errorf("ParseDateAdded(%q) error code %q, want invalid", tt.in, firebreak.ErrorCode(err))
			}
			continue
		}
		if got != tt.want {
			t.Errorf("ParseDateAdded(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if back, _ := time.Parse(time.RFC3339Nano, got); !back.Equal(tm) || tm.Location() != time.UTC {
			t.Errorf("ParseDateAdded(%q): %v and %q are not the same UTC instant", tt.in, tm, got)
		}
	}
}

// FuzzParseDateAdded: any header value is parsed or refused without a panic, and a parsed
// one normalises to a UTC timestamp naming the same instant.
func FuzzParseDateAdded(f *testing.F) {
	for _, s := range []string{"2024-01-01T00:00:00.123456Z", "2024-01-01T02:00:00.120+02:00", "2024-01-01T00:00:00-00:00", "yesterday", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, norm, err := ParseDateAdded(s)
		if err != nil {
			return
		}
		back, err := time.Parse(time.RFC3339Nano, norm)
		if err != nil || !back.Equal(tm) || !strings.HasSuffix(norm, "Z") {
			t.Errorf("ParseDateAdded(%q) = %v, %q: not the same UTC instant (%v)", s, tm, norm, err)
		}
	})
}
