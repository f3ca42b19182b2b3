package pattern

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func lexAll(s string) ([]token, *SyntaxError) {
	l := lexer{src: s}
	var toks []token
	for {
		t, err := l.next()
		if err != nil {
			return toks, err
		}
		if t.kind == tEOF {
			return toks, nil
		}
		toks = append(toks, t)
	}
}

func TestLexer(t *testing.T) {
	tests := []struct {
		in    string
		kinds []tokenKind
		texts []string // the source text of each token, when given
	}{
		{"[file:size = 1280]", []tokenKind{tLBrack, tIdent, tColon, tIdent, tEq, tInt, tRBrack}, nil},
		{"a == b <> c != d <= e >= f < g > h", []tokenKind{tIdent, tEq, tIdent, tNeq, tIdent, tNeq, tIdent, tLe, tIdent, tGe, tIdent, tLt, tIdent, tGt, tIdent}, nil},
		{"win-registry-key", []tokenKind{tIdent}, []string{"win-registry-key"}},
		{"AND OR NOT FOLLOWEDBY LIKE MATCHES ISSUPERSET ISSUBSET EXISTS LAST IN START STOP SECONDS WITHIN REPEATS TIMES",
			[]tokenKind{tAnd, tOr, tNot, tFollowedBy, tLike, tMatches, tIsSuperset, tIsSubset, tExists, tLast, tIn, tStart, tStop, tSeconds, tWithin, tRepeats, tTimes}, nil},
		{"and ANDROID AND-x", []tokenKind{tIdent, tIdent, tIdent}, nil}, // keywords are exact and case-sensitive
		{"true false True", []tokenKind{tBool, tBool, tIdent}, nil},
		{"+5 -5 0 5.5 -.5 +.5 .5 007.5", []tokenKind{tInt, tInt, tInt, tFloat, tFloat, tFloat, tFloat, tFloat}, []string{"+5", "-5", "0", "5.5", "-.5", "+.5", ".5", "007.5"}},
		{"5.", []tokenKind{tInt, tDot}, nil}, // a float needs digits after the point
		{"a.b[*]", []tokenKind{tIdent, tDot, tIdent, tLBrack, tAsterisk, tRBrack}, nil},
		{"- + ^ / ,", []tokenKind{tMinus, tPlus, tPower, tDivide, tComma}, nil},
		{"h'ffd8' b'dGVzdA==' t'2016-06-01T01:30:00Z'", []tokenKind{tHex, tBinary, tTimestamp}, nil},
		{"h x", []tokenKind{tIdent, tIdent}, nil},
		{"a /* comment */ b // rest\nc", []tokenKind{tIdent, tIdent, tIdent}, nil},
		{"a\u00a0\u2003\u3000b", []tokenKind{tIdent, tIdent}, nil}, // Unicode white space
		{"MATCHES'x'", []tokenKind{tMatches, tString}, nil},
	}
	for _, tt := range tests {
		toks, err := lexAll(tt.in)
		if err != nil {
			t.Errorf("lex(%q): %v", tt.in, err)
			continue
		}
		var kinds []tokenKind
		for _, tok := range toks {
			kinds = append(kinds, tok.kind)
		}
		if !equalKinds(kinds, tt.kinds) {
			t.Errorf("lex(%q) kinds = %v, want %v", tt.in, kinds, tt.kinds)
			continue
		}
		for i, want := range tt.texts {
			if toks[i].text != want || tt.in[toks[i].pos:toks[i].end] != want {
				t.Errorf("lex(%q) token %d = %q [%d:%d], want %q", tt.in, i, toks[i].text, toks[i].pos, toks[i].end, want)
			}
		}
	}
}

func equalKinds(a, b []tokenKind) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestLexerValues(t *testing.T) {
	toks, err := lexAll(`'it\'s a \\ path' h'FFd8' b'dGVzdA==' t'2016-06-01T01:30:00.123456789Z' ''`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := toks[0].str, `it's a \ path`; got != want {
		t.Errorf("string value = %q, want %q", got, want)
	}
	if got, want := toks[1].bytes, []byte{0xff, 0xd8}; !bytes.Equal(got, want) {
		t.Errorf("hex value = %x, want %x", got, want)
	}
	if got, want := string(toks[2].bytes), "test"; got != want {
		t.Errorf("binary value = %q, want %q", got, want)
	}
	if got, want := toks[3].time, time.Date(2016, 6, 1, 1, 30, 0, 123456789, time.UTC); !got.Equal(want) {
		t.Errorf("timestamp value = %v, want %v", got, want)
	}
	if toks[4].kind != tString || toks[4].str != "" {
		t.Errorf("empty string = %+v", toks[4])
	}
}

func TestLexerErrors(t *testing.T) {
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		{"a ? b", 2, `unexpected character "?"`},
		{"a é", 2, `unexpected character "é"`},
		{"'abc", 0, "unterminated string literal"},
		{`'a\nb'`, 2, `invalid escape "\n"`},
		{`'a\`, 2, `invalid escape "\"`},
		{"h'abc'", 0, "invalid hex literal"},
		{"h'zz'", 0, "invalid hex literal"},
		{"h'ab", 0, "unterminated hex literal"},
		{"b''", 0, "invalid binary literal"},
		{"b'===='", 0, "invalid binary literal"},
		{"b'abc'", 0, "invalid binary literal"},
		{"t'2016-13-01T00:00:00Z'", 0, "invalid timestamp literal"},
		{"t'2016-02-30T00:00:00Z'", 0, "not a valid date and time"},
		{"t'2016-06-01T00:00:60Z'", 0, "leap seconds"},
		{"t'2016-06-01 00:00:00Z'", 0, "want YYYY-MM-DDTHH:MM:SS"},
		{"t'2016-06-01T00:00:00.Z'", 0, "want YYYY-MM-DDTHH:MM:SS"},
		{"t'2016-06-01T00:00:00+01:00'", 0, "want YYYY-MM-DDTHH:MM:SS"},
		{"x 0123", 2, "leading zeros"},
		{"a /* open", 2, "unterminated comment"},
	}
	for _, tt := range tests {
		_, err := lexAll(tt.in)
		if err == nil {
			t.Errorf("lex(%q) succeeded, want error %q", tt.in, tt.msg)
			continue
		}
		if err.Offset != tt.offset || !strings.Contains(err.Msg, tt.msg) {
			t.Errorf("lex(%q) = %v at %d, want %q at %d", tt.in, err, err.Offset, tt.msg, tt.offset)
		}
	}
}
