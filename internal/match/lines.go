package match

import (
	"bytes"
	"io"

	firebreak "github.com/firebreak/firebreak"
)

// linesReader reads one value per line.
type linesReader struct {
	lr        *lineReader
	typ, path string // "" to guess
	err       error
	st        fieldState
}

// NewLines reads one value per line, surrounding white space trimmed; blank lines and
// lines starting with # are skipped. path is the STIX path of every value
// ("domain-name:value"; ipv4-addr:value and ipv6-addr:value follow each value's family),
// or "" to guess each value's type by its form: an IPv4 or IPv6 address (or network), a
// URL (scheme://...), an MD5, SHA-1, SHA-256 or SHA-512 hash by its number of hex digits,
// an e-mail address or a domain name. A value of no such form is a *LineError. An
// invalid path makes Next return an error with code EINVALID.
func NewLines(r io.Reader, path string) Reader {
	l := &linesReader{lr: newLineReader(r)}
	if path != "" {
		typ, p, ok := parseMappedPath(path)
		if !ok {
			l.err = firebreak.Errorf(firebreak.EINVALID, "lines: %q is not a STIX object path such as domain-name:value", path)
		}
		l.typ, l.path = typ, p
	}
	return l
}

// Next returns the next event; see Reader.
func (l *linesReader) Next() (Event, error) {
	if l.err != nil {
		return Event{}, l.err
	}
	for {
		line, tooLong, err := l.lr.next()
		if err != nil {
			return Event{}, err
		}
		n := l.lr.line
		if tooLong {
			return Event{Line: n}, lineError(n, "longer than %d bytes", MaxLineSize)
		}
		v := bytes.TrimSpace(line)
		if len(v) == 0 || v[0] == '#' {
			continue
		}
		l.st.reset()
		b := &l.st.b
		switch {
		case l.typ == "":
			typ, path, ok := guessPath(v)
			if !ok {
				return Event{Line: n, Raw: line}, lineError(n, "not an address, URL, hash, e-mail address or domain name")
			}
			b.add(typ, path, v)
		case (l.typ == "ipv4-addr" || l.typ == "ipv6-addr") && l.path == pathValue:
			typ := addrType(v)
			if typ == "" {
				typ = l.typ
			}
			b.add(typ, pathValue, v)
		default:
			b.add(l.typ, l.path, v)
		}
		return b.event(n, line), nil
	}
}
