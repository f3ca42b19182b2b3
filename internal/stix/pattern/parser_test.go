package pattern

import (
	"errors"
	"strings"
	"testing"

	firebreak "github.com/firebreak/firebreak"
)

// shape renders a tree fully parenthesised, to test precedence and associativity.
func shape(x any) string {
	switch x := x.(type) {
	case *ObservationSimple:
		return "[" + shape(x.Comparison) + "]"
	case *ObservationBinary:
		return "(" + shape(x.Left) + " " + x.Op.String() + " " + shape(x.Right) + ")"
	case *ObservationQualified:
		return "(" + shape(x.Expr) + " " + x.Qualifier.String() + ")"
	case *ComparisonBinary:
		return "(" + shape(x.Left) + " " + x.Op.String() + " " + shape(x.Right) + ")"
	case *Comparison:
		return x.String()
	}
	return "?"
}

func TestParseShape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"[a-a:b = 1] OR [a-a:b = 2] AND [a-a:b = 3]", "([a-a:b = 1] OR ([a-a:b = 2] AND [a-a:b = 3]))"},
		{"[a-a:b = 1] AND [a-a:b = 2] OR [a-a:b = 3]", "(([a-a:b = 1] AND [a-a:b = 2]) OR [a-a:b = 3])"},
		{"[a-a:b = 1] FOLLOWEDBY [a-a:b = 2] OR [a-a:b = 3]", "([a-a:b = 1] FOLLOWEDBY ([a-a:b = 2] OR [a-a:b = 3]))"},
		{"[a-a:b = 1] FOLLOWEDBY [a-a:b = 2] FOLLOWEDBY [a-a:b = 3]", "(([a-a:b = 1] FOLLOWEDBY [a-a:b = 2]) FOLLOWEDBY [a-a:b = 3])"},
		{"[a-a:b = 1] AND ([a-a:b = 2] AND [a-a:b = 3])", "([a-a:b = 1] AND ([a-a:b = 2] AND [a-a:b = 3]))"},
		{"[a-a:b = 1] AND [a-a:b = 2] WITHIN 5 SECONDS", "([a-a:b = 1] AND ([a-a:b = 2] WITHIN 5 SECONDS))"},
		{"([a-a:b = 1] AND [a-a:b = 2]) WITHIN 5 SECONDS", "(([a-a:b = 1] AND [a-a:b = 2]) WITHIN 5 SECONDS)"},
		{"[a-a:b = 1] REPEATS 2 TIMES WITHIN 5.5 SECONDS", "(([a-a:b = 1] REPEATS 2 TIMES) WITHIN 5.5 SECONDS)"},
		{"(([a-a:b = 1]))", "[a-a:b = 1]"},
		{"[a-a:b = 1 OR a-a:c = 2 AND a-a:d = 3]", "[(a-a:b = 1 OR (a-a:c = 2 AND a-a:d = 3))]"},
		{"[(a-a:b = 1 OR a-a:c = 2) AND a-a:d = 3]", "[((a-a:b = 1 OR a-a:c = 2) AND a-a:d = 3)]"},
		{"[a-a:b NOT = 1 AND NOT EXISTS a-a:c AND EXISTS a-a:d]", "[((a-a:b NOT = 1 AND NOT EXISTS a-a:c) AND EXISTS a-a:d)]"},
	}
	for _, tt := range tests {
		p, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := shape(p.Expr); got != tt.want {
			t.Errorf("Parse(%q) = %s, want %s", tt.in, got, tt.want)
		}
		checkRoundTrip(t, tt.in, p)
	}
}

func TestParseTree(t *testing.T) {
	p, err := Parse(`[file:extensions.'windows-pebinary-ext'.sections[*].entropy NOT > 7.5 OR file:hashes[0] IN (h'ff', h'00')]`)
	if err != nil {
		t.Fatal(err)
	}
	or := p.Expr.(*ObservationSimple).Comparison.(*ComparisonBinary)
	c := or.Left.(*Comparison)
	wantSteps := []PathStep{{Kind: StepKey, Key: "extensions"}, {Kind: StepKey, Key: "windows-pebinary-ext"},
		{Kind: StepKey, Key: "sections"}, {Kind: StepAny}, {Kind: StepKey, Key: "entropy"}}
	if c.Path.Type != "file" || len(c.Path.Steps) != len(wantSteps) {
		t.Fatalf("path = %+v", c.Path)
	}
	for i, s := range wantSteps {
		if c.Path.Steps[i] != s {
			t.Errorf("step %d = %+v, want %+v", i, c.Path.Steps[i], s)
		}
	}
	if c.Op != OpGreater || !c.Negated || c.Value.Kind != KindFloat || c.Value.Float != 7.5 {
		t.Errorf("comparison = %+v", c)
	}
	in := or.Right.(*Comparison)
	if in.Op != OpIn || len(in.Set) != 2 || in.Set[0].Kind != KindHex || in.Set[0].Bytes[0] != 0xff ||
		in.Path.Steps[1] != (PathStep{Kind: StepIndex, Index: 0}) {
		t.Errorf("IN comparison = %+v", in)
	}
}

func TestParseCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{"[file:size == 1 AND file:size <> 2]", "[file:size = 1 AND file:size != 2]"},
		{" [ file : name = 'a' ] /* c */ // d", "[file:name = 'a']"},
		{"[file:size = +5]", "[file:size = 5]"},
		{"[file:x = 7.0 OR file:x = -.5 OR file:x = 007.25]", "[file:x = 7.0 OR file:x = -0.5 OR file:x = 7.25]"},
		{"[file:'name' = 'it\\'s \\\\']", `[file:name = 'it\'s \\']`},
		{"[file:'AND'.'x y'.'true'.ok = 1]", "[file:'AND'.'x y'.'true'.ok = 1]"},
		{"[file:x = h'FFD8']", "[file:x = h'ffd8']"},
		{"[file:x = t'2016-06-01T01:30:00.120Z']", "[file:x = t'2016-06-01T01:30:00.12Z']"},
		{"[file:x = t'2016-06-01T01:30:00.000Z']", "[file:x = t'2016-06-01T01:30:00Z']"},
		{"[file:x IN ()]", "[file:x IN ()]"},
		{"[file:x IN(1,2.5)]", "[file:x IN (1, 2.5)]"},
		{"[file:x = 1] WITHIN 5.0 SECONDS", "[file:x = 1] WITHIN 5 SECONDS"},
		{"([file:x = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS", "([file:x = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS"},
		{"(([file:x = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS) WITHIN 7 SECONDS", "(([file:x = 1] WITHIN 5 SECONDS) WITHIN 6 SECONDS) WITHIN 7 SECONDS"},
		{"(([file:x = 1]) WITHIN 5 SECONDS REPEATS 2 TIMES) WITHIN 6 SECONDS", "([file:x = 1] WITHIN 5 SECONDS REPEATS 2 TIMES) WITHIN 6 SECONDS"},
		{"(([file:x = 1] AND [file:x = 2]) WITHIN 5 SECONDS) WITHIN 6 SECONDS", "(([file:x = 1] AND [file:x = 2]) WITHIN 5 SECONDS) WITHIN 6 SECONDS"},
		{"([file:x = 1] AND [file:x = 2]) WITHIN 5 SECONDS REPEATS 2 TIMES", "([file:x = 1] AND [file:x = 2]) WITHIN 5 SECONDS REPEATS 2 TIMES"},
		{"[file:x = 1] START t'2016-06-01T00:00:00Z' STOP t'2016-06-02T00:00:00Z'", "[file:x = 1] START t'2016-06-01T00:00:00Z' STOP t'2016-06-02T00:00:00Z'"},
	}
	for _, tt := range tests {
		p, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := p.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
		checkRoundTrip(t, tt.in, p)
	}
}

func TestParseErrors(t *testing.T) {
	const ok = "[file:name = 'a']"
	tests := []struct {
		in     string
		offset int
		msg    string
	}{
		// grammar
		{"", 0, "expected '[' or '(' to start an observation expression, found end of pattern"},
		{"file:size = 1280", 0, `expected '[' or '(' to start an observation expression, found "file"`},
		{"[", 1, "expected an object path (type:property), found end of pattern"},
		{"[file:name = 'a'", 16, "expected ']' after comparison expression, found end of pattern"},
		{"[file:name = 'a' AND file:size = 1 [", 35, `expected ']' after comparison expression, found "["`},
		{"[file:name = 'a' AND]", 20, `expected an object path (type:property), found "]"`},
		{ok + " AND", 21, "expected '[' or '('"},
		{ok + " " + ok, 18, `unexpected "[" after observation expression`},
		{ok + " LAST 5", 18, `unexpected "LAST"`},
		{"(" + ok, 18, "expected ')' after observation expression, found end of pattern"},
		{"[file.size = 1]", 5, `expected ':' after object type file, found "."`},
		{"[file:x-y = 1]", 6, `quote names with hyphens: 'x-y'`},
		{"[file:name.5 = 1]", 10, `expected a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET) after file:name, found ".5"`}, // a float, as in the grammar
		{"[file:hashes[a] = 'x']", 13, "expected a list index or '*' after '['"},
		{"[file:name = ]", 13, `expected a literal value after '=', found "]"`},
		{"[file:name LIKE 5]", 16, "expected a string literal after LIKE"},
		{"[file:size > true]", 13, "expected an orderable literal"},
		{"[file:size ~ 1]", 11, `unexpected character "~"`},
		{"[file:size EXISTS]", 11, "expected a comparison operator"},
		{"[NOT file:name = 'a']", 5, "expected EXISTS after NOT"},
		{"[file:size IN 1]", 14, "expected '(' to start the set after IN"},
		{"[file:size IN (1 2)]", 17, "expected ',' or ')' in the set"},
		{ok + " WITHIN 5", 26, "expected SECONDS after WITHIN 5, found end of pattern"},
		{ok + " WITHIN -5 SECONDS", 25, "expected a positive number of seconds after WITHIN"},
		{ok + " REPEATS 1.5 TIMES", 26, "expected a positive integer after REPEATS"},
		{ok + " START '2016-06-01T00:00:00Z' STOP t'2016-06-02T00:00:00Z'", 24, "expected a timestamp literal (t'...') after START"},
		{"[file:name = 'a']\nAND\n[file:x = ]", 32, "expected a literal value"},
		{strings.Repeat("(", 600) + ok, 500, "nest more than 500 deep"},
		{"[file:name = '\xff']", 14, "not valid UTF-8"},
		// semantic rules
		{"[File:size = 1]", 1, `object type "File" is not a valid STIX type name`},
		{"[ab:size = 1]", 1, "3 to 250 characters"},
		{"[a--b:size = 1]", 1, "not a valid STIX type name"},
		{"[abc-:size = 1]", 1, "not a valid STIX type name"},
		{"[1abc:size = 1]", 1, `expected an object path (type:property), found "1"`}, // a number, then an identifier
		{"[file:hashes[-1] = 'x']", 13, "list index -1 is negative"},
		{"[file:size = 99999999999999999999]", 13, "out of range"},
		{"[file:name = 'a' AND process:name = 'b']", 17, "must apply to the same object type, but the left applies to file and the right to process"},
		{"[file:name = 'a' AND (process:pid = 1 OR user-account:x = 1)]", 17, "process or user-account"},
		{"[file:size IN (1, 'a')]", 18, `the set mixes integer "1" and string "'a'"`},
		{"[file:size IN (true, 1.5)]", 21, "the set mixes boolean"},
		{"[file:name MATCHES 'a(?=b)']", 21, "lookahead"},
		{`[file:name MATCHES 'it\'s(?=x)']`, 25, "lookahead"},
		{"[file:name MATCHES '(a)\\\\1']", 23, `backreference (\1)`},
		{"[file:name MATCHES 'a**']", 21, "invalid nested repetition operator"},
		{"[ipv4-addr:value ISSUBSET '10.0.0.0/33']", 26, "ISSUBSET needs an IPv4 or IPv6 address or CIDR network"},
		{"[ipv4-addr:value ISSUPERSET 'example.com']", 28, "ISSUPERSET needs"},
		{ok + " WITHIN 0 SECONDS", 25, "WITHIN needs a positive number of seconds, not 0"},
		{ok + " WITHIN 0.0 SECONDS", 25, "WITHIN needs a positive number"},
		{ok + " REPEATS 0 TIMES", 26, "REPEATS needs a count of at least 1"},
		{ok + " REPEATS 99999999999 TIMES", 26, "out of range"},
		{ok + " START t'2016-06-02T00:00:00Z' STOP t'2016-06-01T00:00:00Z'", 24, "must be earlier than STOP"},
		{ok + " START t'2016-06-01T00:00:00Z' STOP t'2016-06-01T00:00:00Z'", 24, "must be earlier than STOP"},
		{ok + " WITHIN 5 SECONDS REPEATS 2 TIMES WITHIN 6 SECONDS", 51, "duplicate WITHIN qualifier"},
		{"(" + ok + ") WITHIN 5 SECONDS WITHIN 6 SECONDS", 37, "duplicate WITHIN qualifier"},
		{"(" + ok + " AND " + ok + ") REPEATS 2 TIMES REPEATS 3 TIMES", 58, "duplicate REPEATS qualifier"},
		{"[file:hashes.MD5 = 'abc']", 19, "'abc' is not a valid MD5 hash (32 hexadecimal digits)"},
		{"[file:hashes.'SHA-1' = 'zz3456789012345678901234567890123456789z']", 23, "SHA-1 hash"},
		{"[file:hashes.MD5 = h'abcd']", 19, "not a valid MD5 hash"},
		{"[file:hashes.MD5 IN ('cead3f77f6cda6ec00f57d76c9a6879f', 'x')]", 20, "'x' is not a valid MD5 hash"},
		// a grammar error is reported before an earlier semantic one
		{"[x_y:name = 1] AND", 18, "expected '[' or '('"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %v, want a *SyntaxError %q", tt.in, err, tt.msg)
			continue
		}
		if se.Offset != tt.offset || !strings.Contains(se.Msg, tt.msg) {
			t.Errorf("Parse(%q) = %q at %d, want %q at %d", tt.in, se.Msg, se.Offset, tt.msg, tt.offset)
		}
		if Validate(tt.in) == nil {
			t.Errorf("Validate(%q) = nil, want the error", tt.in)
		}
	}
}

func TestSyntaxErrorPosition(t *testing.T) {
	_, err := Parse("[file:name = 'é']\n  AND [file:size = ]")
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v", err)
	}
	if se.Line != 2 || se.Col != 20 || se.Offset != 38 {
		t.Errorf("position = %d:%d (offset %d), want 2:20 (offset 38)", se.Line, se.Col, se.Offset)
	}
	if got, want := se.Error(), `pattern:2:20: expected a literal value after '=', found "]"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	_, err = Parse("[ab-c:d = 1] AND [ab-c:d =]")
	if got := firebreak.ErrorCode(err); got != firebreak.EINVALID {
		t.Errorf("ErrorCode = %q, want %q", got, firebreak.EINVALID)
	}
	if got := firebreak.ErrorMessage(err); got != err.Error() {
		t.Errorf("ErrorMessage = %q, want %q", got, err.Error())
	}
}
