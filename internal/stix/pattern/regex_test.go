package pattern

import (
	"strings"
	"testing"
)

func TestCompilePCRE(t *testing.T) {
	tests := []struct {
		re     string
		offset int    // of the error
		msg    string // part of the error; "" when the expression must compile
	}{
		{`^Final Report.+\.exe$`, 0, ""},
		{`.+\@example\.com$`, 0, ""},
		{`\xd4\xc3\xb2\xa1\x02\x00`, 0, ""},
		{`(?i)abc(?-i:def)`, 0, ""},
		{`(?P<name>a)(?<other>b)`, 0, ""},
		{`[[:alpha:]]+\d{2,3}?`, 0, ""},
		{`\Qa++(?=b\E`, 0, ""},       // quoted text is literal in both syntaxes
		{`[a+]+ x{2}`, 0, ""},        // + inside a class is literal
		{`[\]+]++`, 5, "possessive"}, // after the class, ++ is possessive
		{`(a)\1`, 3, `backreference (\1)`},
		{`(?<n>a)\k<n>`, 7, "backreference"},
		{`(a)\g1`, 3, "backreference"},
		{`(?P=n)`, 0, "named backreference"},
		{`foo(?=bar)`, 3, "lookahead"},
		{`foo(?!bar)`, 3, "lookahead"},
		{`(?<=foo)bar`, 0, "lookbehind"},
		{`(?<!foo)bar`, 0, "lookbehind"},
		{`(?>a+)b`, 0, "atomic group"},
		{`a*+b`, 1, "possessive quantifier (*+)"},
		{`a++b`, 1, "possessive quantifier (++)"},
		{`a?+b`, 1, "possessive quantifier (?+)"},
		{`a{2,3}+b`, 1, "possessive quantifier ({2,3}+)"},
		{`(a|b(?R))`, 4, "recursion"},
		{`(a)(?1)`, 3, "recursion"},
		{`(?&name)`, 0, "recursion"},
		{`(?(1)a|b)`, 0, "conditional"},
		{`(?|a|b)`, 0, "branch reset"},
		{`a(?#comment)`, 1, "comment"},
		{`(?x) a b`, 0, "(?x)"},
		{`(?J)a`, 0, "inline flag"},
		{`(*UTF8)a`, 0, "backtracking control verb"},
		{`a(*FAIL)`, 1, "backtracking control verb"},
		{`abc\Z`, 3, `\Z`},
		{`\Gabc`, 0, `\G`},
		{`ab\Kc`, 2, `\K`},
		{`\R`, 0, `\R`},
		{`\X`, 0, `\X`},
		{`\C`, 0, `\C`},
		{`\h+`, 0, `\h`},
		{`a\v`, 1, `\v`},
		{`[\v]`, 1, `\v`},
		{`\e`, 0, `\e`},
		{`\cA`, 0, `\c`},
		{`\o{101}`, 0, `\o`},
		{`(?'n'a)`, 0, "(?'name'"},
		{`a{1001}`, 1, "invalid repeat count"}, // RE2's limit, reported by regexp
		{`(abc`, 0, "missing closing )"},
		{`a)`, 0, "unexpected )"},
		{`[a-`, 0, "missing closing ]"},
	}
	for _, tt := range tests {
		re, off, msg := compilePCRE(tt.re)
		if tt.msg == "" {
			if msg != "" || re == nil {
				t.Errorf("compilePCRE(%q) = %q at %d, want success", tt.re, msg, off)
			}
			continue
		}
		if msg == "" {
			t.Errorf("compilePCRE(%q) succeeded, want %q", tt.re, tt.msg)
			continue
		}
		if off != tt.offset || !strings.Contains(msg, tt.msg) {
			t.Errorf("compilePCRE(%q) = %q at %d, want %q at %d", tt.re, msg, off, tt.msg, tt.offset)
		}
	}
}

func TestLikeToRegexp(t *testing.T) {
	tests := []struct {
		like, s string
		want    bool
	}{
		{"name%", "name.txt", true},
		{"name%", "a name", false},
		{"%.exe", "evil.exe", true},
		{"%.exe", "evil.exe.txt", false},
		{"a_c", "abc", true},
		{"a_c", "abbc", false},
		{"a_c", "aéc", true},  // _ is one character, not one byte
		{"a.c", "abc", false}, // regexp metacharacters stand for themselves
		{"(x)+", "(x)+", true},
		{"%", "", true},
		{"%", "multi\nline", true},
		{"", "", true},
		{"", "x", false},
	}
	for _, tt := range tests {
		re, _, _ := compilePCRE(likeToRegexp(tt.like))
		if got := re.MatchString(tt.s); got != tt.want {
			t.Errorf("LIKE %q on %q = %v, want %v", tt.like, tt.s, got, tt.want)
		}
	}
}
