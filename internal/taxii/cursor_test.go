package taxii

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/firebreak/firebreak"
)

var (
	testSecret  = []byte("0123456789abcdef0123456789abcdef")
	testKey     = mustKey(testSecret)
	testCursors = testKey.For("identity--a", "c1")
)

func mustKey(secret []byte) *CursorKey {
	k, err := NewCursorKey(secret)
	if err != nil {
		panic(err)
	}
	return k
}

func mustEncode(c Cursors, pos firebreak.Cursor) string {
	s, err := c.Encode(pos)
	if err != nil {
		panic(err)
	}
	return s
}

func TestCursorRoundTrip(t *testing.T) {
	for _, pos := range []firebreak.Cursor{{}, {Added: 1, Seq: 1}, {Added: 1732420000123456, Seq: 987654321}, {Added: 1 << 62, Seq: 1 << 62}} {
		s := mustEncode(testCursors, pos)
		if len(s) != CursorLen {
			t.Errorf("token for %+v has %d characters, want %d", pos, len(s), CursorLen)
		}
		got, err := testCursors.Decode(s)
		if err != nil || got != pos {
			t.Errorf("Decode(Encode(%+v)) = %+v, %v", pos, got, err)
		}
	}
	good := mustEncode(testCursors, firebreak.Cursor{Added: 5, Seq: 6})
	for _, bad := range []string{"", "x", "AQ", good[:len(good)-1], good + "A", strings.ToUpper(good), strings.Repeat("A", CursorLen), strings.Repeat("A", 100)} {
		if _, err := testCursors.Decode(bad); firebreak.ErrorCode(err) != firebreak.EINVALID || !strings.Contains(err.Error(), "not a token this server issued") {
			t.Errorf("Decode(%q) = %v, want invalid", bad, err)
		}
	}
	if _, err := (Cursors{}).Decode(good); firebreak.ErrorCode(err) != firebreak.EINVALID {
		t.Errorf("the zero Cursors opened a token: %v", err)
	}
	if _, err := (Cursors{}).Encode(firebreak.Cursor{}); err == nil {
		t.Errorf("the zero Cursors sealed a token")
	}
	if _, err := NewCursorKey(nil); firebreak.ErrorCode(err) != firebreak.EINTERNAL {
		t.Errorf("NewCursorKey without a secret = %v, want EINTERNAL", err)
	}
}

// TestLeak14CursorTampering: changing any bit of a token makes it refused.
func TestLeak14CursorTampering(t *testing.T) {
	good := mustEncode(testCursors, firebreak.Cursor{Added: 1732420000123456, Seq: 42})
	raw, err := base64.RawURLEncoding.DecodeString(good)
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		for bit := range 8 {
			b := bytes.Clone(raw)
			b[i] ^= 1 << bit
			s := base64.RawURLEncoding.EncodeToString(b)
			if pos, err := testCursors.Decode(s); err == nil {
				t.Fatalf("flipping bit %d of byte %d gave a token that opens to %+v", bit, i, pos)
			}
		}
	}
	// Every other character at every place, the unused bits of the last one included.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range len(good) {
		for _, c := range alphabet {
			if byte(c) == good[i] {
				continue
			}
			s := good[:i] + string(c) + good[i+1:]
			if pos, err := testCursors.Decode(s); err == nil {
				t.Fatalf("%q (character %d changed) opens to %+v", s, i, pos)
			}
		}
	}
}

// TestLeak14CursorBinding: a token opens only for the reader and the collection it was
// issued for, and on every node that shares the hub's secret.
func TestLeak14CursorBinding(t *testing.T) {
	pos := firebreak.Cursor{Added: 1732420000123456, Seq: 42}
	tok := mustEncode(testKey.For("identity--a", "c1"), pos)
	tests := []struct {
		name string
		c    Cursors
		ok   bool
	}{
		{"same reader and collection", testKey.For("identity--a", "c1"), true},
		{"another node, same secret", mustKey(bytes.Clone(testSecret)).For("identity--a", "c1"), true},
		{"another reader", testKey.For("identity--b", "c1"), false},
		{"another collection", testKey.For("identity--a", "c2"), false},
		{"reader and collection run together", testKey.For("identity--ac", "1"), false},
		{"another hub", mustKey([]byte("fedcba9876543210fedcba9876543210")).For("identity--a", "c1"), false},
	}
	for _, tt := range tests {
		got, err := tt.c.Decode(tok)
		if tt.ok && (err != nil || got != pos) {
			t.Errorf("%s: Decode = %+v, %v; want %+v", tt.name, got, err, pos)
		}
		if !tt.ok && firebreak.ErrorCode(err) != firebreak.EINVALID {
			t.Errorf("%s: Decode = %+v, %v; want the token refused", tt.name, got, err)
		}
	}
}

// TestLeak14CursorRevealsNothing: tokens have one length whatever position they hold, two
// tokens for one position differ, and no token holds its position in clear, in any of
// the encodings the unkeyed format used.
func TestLeak14CursorRevealsNothing(t *testing.T) {
	positions := []firebreak.Cursor{{Added: 1, Seq: 1}, {Added: 1732420000123456, Seq: 3}, {Added: 1732420000123457, Seq: 4000000}, {Added: 1 << 62, Seq: 1 << 62}}
	for _, pos := range positions {
		a, b := mustEncode(testCursors, pos), mustEncode(testCursors, pos)
		if len(a) != CursorLen || len(b) != CursorLen {
			t.Errorf("tokens for %+v have %d and %d characters, want %d", pos, len(a), len(b), CursorLen)
		}
		if a == b {
			t.Errorf("two tokens for %+v are equal: %s", pos, a)
		}
		raw, _ := base64.RawURLEncoding.DecodeString(a)
		for _, clear := range [][]byte{
			binary.AppendVarint(nil, pos.Seq), binary.AppendVarint(nil, pos.Added),
			binary.BigEndian.AppendUint64(nil, uint64(pos.Seq)), binary.BigEndian.AppendUint64(nil, uint64(pos.Added)),
		} {
			if len(clear) >= 3 && bytes.Contains(raw, clear) {
				t.Errorf("token for %+v holds % x in clear", pos, clear)
			}
		}
	}
}

func FuzzDecodeCursor(f *testing.F) {
	// Tokens sealed once under testCursors: literals, because the fuzzing workers are
	// other processes, and tokens sealed there again would differ (random salts).
	seeds := map[string]firebreak.Cursor{
		"AoL3R137V7F89j9RoH_NZa2fOzpkLHmsUETK83eKkFT0gpYW8GNLgeeYeG6096z6UA": {Added: 1732420000123456, Seq: 42},
		"ArVJ35jU4zaPjzcJe4eIgx6NSGaFNkIdSq8Z9edTey73lLpsUdSQWP_DdWbsKazHoA": {Added: 0, Seq: 0},
		"AnQ8R8TXCHFwCgwRkJ4PLHF_QTM-ZyNjMnivEAtpo-TJmv6MeyhxL5r5owX2eHjNiQ": {Added: 1 << 62, Seq: 7},
	}
	for s := range seeds {
		f.Add(s)
	}
	f.Add("")
	f.Add("AQ")
	f.Add(strings.Repeat("A", CursorLen))
	other := testKey.For("identity--b", "c1")
	f.Fuzz(func(t *testing.T, s string) {
		pos, err := testCursors.Decode(s)
		if err != nil {
			if firebreak.ErrorCode(err) != firebreak.EINVALID {
				t.Fatalf("Decode(%q): error code %s, want EINVALID", s, firebreak.ErrorCode(err))
			}
			return
		}
		// Only a token the key sealed opens: here, only the seeds.
		if want, ok := seeds[s]; !ok || pos != want {
			t.Fatalf("Decode(%q) = %+v: a token nobody sealed was accepted", s, pos)
		}
		if pos.Added < 0 || pos.Seq < 0 {
			t.Fatalf("decoded a negative position %+v", pos)
		}
		if _, err := other.Decode(s); err == nil {
			t.Fatalf("the token %q opens for another reader", s)
		}
		again, err := testCursors.Decode(mustEncode(testCursors, pos))
		if err != nil || again != pos {
			t.Fatalf("re-sealing %+v gave %+v, %v", pos, again, err)
		}
	})
}

// BenchmarkCursor seals and opens one token, as a paged read does once each.
func BenchmarkCursor(b *testing.B) {
	pos := firebreak.Cursor{Added: 1732420000123456, Seq: 42}
	for b.Loop() {
		s, err := testCursors.Encode(pos)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := testCursors.Decode(s); err != nil {
			b.Fatal(err)
		}
	}
}
