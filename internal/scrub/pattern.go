package scrub

import "strings"

// exemptions are the e-mail addresses and phone numbers that an object's STIX pattern names.
// Free text that mentions them describes the indicator, so they are not redacted there.
type exemptions struct {
	emails map[string]bool // lower-cased
	phones []string        // digits only
}

// patternExemptions collects the addresses and phone numbers in the string literals of a STIX
// pattern. It returns nil when there are none.
func patternExemptions(pattern string) *exemptions {
	var ex exemptions
	for _, lit := range patternLiterals(pattern) {
		for _, sp := range emails(lit, nil) {
			if ex.emails == nil {
				ex.emails = map[string]bool{}
			}
			ex.emails[strings.ToLower(lit[sp.start:sp.end])] = true
		}
		if d := digitsOf(lit); len(d) >= 7 && strings.Trim(lit, "0123456789+-.() ") == "" {
			ex.phones = append(ex.phones, d)
		}
	}
	if ex.emails == nil && ex.phones == nil {
		return nil
	}
	return &ex
}

// patternLiterals returns the decoded single-quoted string literals of a STIX pattern.
func patternLiterals(p string) []string {
	var out []string
	for i := 0; i < len(p); i++ {
		if p[i] != '\'' {
			continue
		}
		var b strings.Builder
		j := i + 1
		for ; j < len(p) && p[j] != '\''; j++ {
			if p[j] == '\\' && j+1 < len(p) {
				j++
			}
			b.WriteByte(p[j])
		}
		out = append(out, b.String())
		i = j
	}
	return out
}

func (e *exemptions) email(v string) bool {
	return e != nil && e.emails[strings.ToLower(v)]
}

// phone reports whether the number is one the pattern names, comparing digits so that
// "+1 (555) 123-4567" in text matches '15551234567' or '555-123-4567' in the pattern.
func (e *exemptions) phone(v string) bool {
	if e == nil || len(e.phones) == 0 {
		return false
	}
	d := digitsOf(v)
	for _, p := range e.phones {
		if p == d || len(d) >= 7 && strings.HasSuffix(p, d) || len(p) >= 7 && strings.HasSuffix(d, p) {
			return true
		}
	}
	return false
}
