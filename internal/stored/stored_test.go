package stored

import (
	"reflect"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
)

func TestDisclosureRoundTrip(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := firebreak.DisclosureRequest{ID: "d1", Kind: firebreak.DisclosureObjects, Requester: 7, RequesterUser: "ana",
		Provider: 9, Objects: []string{"indicator--1"}, Purpose: "case", Created: at, Deadline: at.Add(time.Hour),
		State: firebreak.DisclosureOpen}
	b, err := EncodeDisclosure(r)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"id":"d1","kind":"objects","objects":["indicator--1"],"purpose":"case","created":"2026-01-02T03:04:05Z","deadline":"2026-01-02T04:04:05Z","state":"open","requester":7,"requester_user":"ana","provider":9}`
	if string(b) != want {
		t.Errorf("EncodeDisclosure = %s\nwant %s (the stored form must not change: backups carry it)", b, want)
	}
	got, err := DecodeDisclosure(b)
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Errorf("DecodeDisclosure = %+v, %v; want %+v", got, err, r)
	}
	if _, err := DecodeDisclosure([]byte("{")); firebreak.ErrorCode(err) != firebreak.EINTERNAL || firebreak.ErrorMessage(err) != "internal error" {
		t.Errorf("DecodeDisclosure of a broken body: %v; want an internal error that says nothing of the decoder", err)
	}
}

// TestDisclosureAskRoundTrip: the ask a case belongs to is kept in the body (so backups
// carry it); a body without one, as stored before it was recorded, reads as no ask.
func TestDisclosureAskRoundTrip(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r := firebreak.DisclosureRequest{ID: "d1", Ask: "a1", Kind: firebreak.DisclosureObjects, Requester: 7, Objects: []string{},
		Purpose: "case", Created: at, Deadline: at.Add(time.Hour), State: firebreak.DisclosureOpen}
	b, err := EncodeDisclosure(r)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"id":"d1","kind":"objects","objects":[],"purpose":"case","created":"2026-01-02T03:04:05Z","deadline":"2026-01-02T04:04:05Z","state":"open","ask":"a1","requester":7,"requester_user":"","provider":0}`
	if string(b) != want {
		t.Errorf("EncodeDisclosure = %s\nwant %s", b, want)
	}
	if got, err := DecodeDisclosure(b); err != nil || !reflect.DeepEqual(got, r) {
		t.Errorf("DecodeDisclosure = %+v, %v; want %+v", got, err, r)
	}
}

func TestIntroductionRoundTrip(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	in := firebreak.Introduction{ID: "i1", Object: "indicator--1", Requester: 7, RequesterUser: "ana", Provider: 9,
		Message: "hello", State: firebreak.IntroductionRequested, Created: at}
	b, err := EncodeIntroduction(in)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"id":"i1","object":"indicator--1","message":"hello","state":"requested","created":"2026-01-02T03:04:05Z","requester":7,"requester_user":"ana","provider":9}`
	if string(b) != want {
		t.Errorf("EncodeIntroduction = %s\nwant %s (the stored form must not change: backups carry it)", b, want)
	}
	got, err := DecodeIntroduction(b)
	if err != nil || !reflect.DeepEqual(got, in) {
		t.Errorf("DecodeIntroduction = %+v, %v; want %+v", got, err, in)
	}
	if _, err := DecodeIntroduction([]byte("[]")); firebreak.ErrorCode(err) != firebreak.EINTERNAL {
		t.Errorf("DecodeIntroduction of a broken body: %v; want an internal error", err)
	}
}

func TestPoliciesRoundTrip(t *testing.T) {
	for _, ids := range [][]int64{nil, {}, {1, 2, 30}} {
		s := EncodePolicies(ids)
		got, err := DecodePolicies(s)
		if err != nil || len(got) != len(ids) {
			t.Errorf("round trip of %v: %s → %v %v", ids, s, got, err)
		}
		for i := range ids {
			if got[i] != ids[i] {
				t.Errorf("round trip of %v: %v", ids, got)
			}
		}
	}
	if EncodePolicies(nil) != "[]" {
		t.Errorf("no policies encode as %s, want []", EncodePolicies(nil))
	}
	if _, err := DecodePolicies("{"); err == nil {
		t.Errorf("a damaged column reads without error")
	}
}
