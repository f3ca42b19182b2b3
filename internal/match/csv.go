package match

import (
	"bytes"
	"errors"
	"io"
	"sort"

	firebreak "github.com/firebreak/firebreak"
)

// csvReader reads CSV (RFC 4180: comma-separated, fields in double quotes may hold
// commas, doubled quotes and line breaks) with a header row.
type csvReader struct {
	lr     *lineReader
	cols   []csvColumn
	rec    []byte // the record's text, over one or more lines
	fbuf   []byte // the fields' values, unquoted
	ends   []int
	fields [][]byte
	st     fieldState
	inQ    bool
	pos    int
	header int // number of columns
}

type csvColumn struct {
	kind      csvKind
	typ, path string
}

type csvKind uint8

const (
	csvSkip  csvKind = iota
	csvPath          // a fixed type and path
	csvIP            // ipv4-addr or ipv6-addr:value by the value's family
	csvGuess         // the type by the value's form (as NewLines with no path)
	csvTime          // the event's time
)

// NewCSV reads CSV with a header row. mapping maps column names to what they hold: a
// STIX path ("ipv4-addr:value", "file:hashes.'SHA-256'", "url:value"; ipv4-addr:value and
// ipv6-addr:value both follow the family of each value), "auto" (the type is guessed per
// value as NewLines does) or "time" (the event's time, epoch seconds or ISO 8601). Other
// columns are ignored. It reads the header row, and returns an error (code EINVALID) when
// there is none, a mapping entry is not a path, or a mapped column is not in the header.
func NewCSV(r io.Reader, mapping map[string]string) (Reader, error) {
	if len(mapping) == 0 {
		return nil, firebreak.Errorf(firebreak.EINVALID, "csv: the column mapping is empty")
	}
	c := &csvReader{lr: newLineReader(r)}
	fields, _, _, err := c.record()
	var le *LineError
	switch {
	case errors.As(err, &le):
		return nil, firebreak.Wrap(firebreak.EINVALID, err, "csv: the header row is malformed")
	case err == io.EOF:
		return nil, firebreak.Errorf(firebreak.EINVALID, "csv: no header row")
	case err != nil:
		return nil, err
	}
	c.header = len(fields)
	c.cols = make([]csvColumn, len(fields))
	found := map[string]bool{}
	for i, f := range fields {
		name := string(bytes.TrimSpace(f))
		if i == 0 {
			name = string(bytes.TrimSpace(bytes.TrimPrefix([]byte(name), []byte("\xef\xbb\xbf"))))
		}
		spec, ok := mapping[name]
		if !ok {
			continue
		}
		found[name] = true
		switch spec {
		case "time":
			c.cols[i] = csvColumn{kind: csvTime}
		case "auto", "":
			c.cols[i] = csvColumn{kind: csvGuess}
		default:
			typ, path, ok := parseMappedPath(spec)
			if !ok {
				return nil, firebreak.Errorf(firebreak.EINVALID, "csv: the mapping of column %q, %q, is not a STIX object path such as ipv4-addr:value", name, spec)
			}
			if (typ == "ipv4-addr" || typ == "ipv6-addr") && path == pathValue {
				c.cols[i] = csvColumn{kind: csvIP}
			} else {
				c.cols[i] = csvColumn{kind: csvPath, typ: typ, path: path}
			}
		}
	}
	var missing []string
	for name := range mapping {
		if !found[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, firebreak.Errorf(firebreak.EINVALID, "csv: mapped column %q is not in the header row", missing[0])
	}
	return c, nil
}

// Next returns the next event; see Reader. Its line is the record's first line.
func (c *csvReader) Next() (Event, error) {
	fields, raw, n, err := c.record()
	if err != nil {
		return Event{Line: n, Raw: raw}, err
	}
	if len(fields) != c.header {
		return Event{Line: n, Raw: raw}, lineError(n, "%d fields where the header has %d", len(fields), c.header)
	}
	c.st.reset()
	b := &c.st.b
	for i, f := range fields {
		if len(f) == 0 {
			continue
		}
		col := c.cols[i]
		switch col.kind {
		case csvPath:
			b.add(col.typ, col.path, f)
		case csvIP:
			if typ := addrType(f); typ != "" {
				b.add(typ, pathValue, f)
			} else {
				b.add("ipv4-addr", pathValue, f)
			}
		case csvGuess:
			if typ, path, ok := guessPath(f); ok {
				b.add(typ, path, f)
			}
		case csvTime:
			if t, ok := parseLogTime(f); ok {
				b.time = t
			}
		}
	}
	return b.event(n, raw), nil
}

// record reads the next non-blank record and returns its fields (valid until the next
// call) and text. A malformed record gives a *LineError; reading goes on after it.
func (c *csvReader) record() (fields [][]byte, raw []byte, first int64, err error) {
	for {
		line, tooLong, err := c.lr.next()
		if err != nil {
			return nil, nil, c.lr.line, err
		}
		first := c.lr.line
		if tooLong {
			return nil, nil, first, lineError(first, "longer than %d bytes", MaxLineSize)
		}
		if len(line) == 0 {
			continue
		}
		c.rec = append(c.rec[:0], line...)
		c.fbuf, c.ends, c.inQ, c.pos = c.fbuf[:0], c.ends[:0], false, 0
		for {
			open, msg := c.parse()
			if msg != "" {
				return nil, c.rec, first, lineError(first, "%s", msg)
			}
			if !open {
				break
			}
			next, tooLong, err := c.lr.next()
			switch {
			case err == io.EOF:
				return nil, c.rec, first, lineError(first, "quoted field not closed at the end of the input")
			case err != nil:
				return nil, nil, first, err
			case tooLong || len(c.rec)+1+len(next) > MaxLineSize:
				return nil, nil, first, lineError(first, "record longer than %d bytes", MaxLineSize)
			}
			c.rec = append(append(c.rec, '\n'), next...)
		}
		if len(c.ends) > MaxObservables {
			return nil, c.rec, first, lineError(first, "more than %d fields", MaxObservables)
		}
		c.fields = c.fields[:0]
		start := 0
		for _, end := range c.ends {
			c.fields = append(c.fields, c.fbuf[start:end])
			start = end
		}
		return c.fields, c.rec, first, nil
	}
}

// parse goes on parsing c.rec from c.pos; open reports a quoted field still open at its
// end, msg a malformed record.
func (c *csvReader) parse() (open bool, msg string) {
	rec, i := c.rec, c.pos
	for {
		if c.inQ {
			j := bytes.IndexByte(rec[i:], '"')
			if j < 0 {
				c.fbuf = append(c.fbuf, rec[i:]...)
				c.pos = len(rec)
				return true, ""
			}
			c.fbuf = append(c.fbuf, rec[i:i+j]...)
			i += j + 1
			if i < len(rec) && rec[i] == '"' {
				c.fbuf = append(c.fbuf, '"')
				i++
				continue
			}
			c.inQ = false
			if i < len(rec) && rec[i] != ',' {
				return false, "character after the closing quote of a field"
			}
		} else if i < len(rec) && rec[i] == '"' {
			c.inQ = true
			i++
			continue
		} else {
			end := len(rec)
			if j := bytes.IndexByte(rec[i:], ','); j >= 0 {
				end = i + j
			}
			if bytes.IndexByte(rec[i:end], '"') >= 0 {
				return false, "quote in an unquoted field"
			}
			c.fbuf = append(c.fbuf, rec[i:end]...)
			i = end
		}
		c.ends = append(c.ends, len(c.fbuf))
		if i >= len(rec) {
			return false, ""
		}
		i++ // the comma
	}
}
