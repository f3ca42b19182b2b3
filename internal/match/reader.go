package match

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"time"

	firebreak "github.com/firebreak/firebreak"
)

// Reader reads the events of a log, one per line (per record for CSV), streaming with
// bounded memory.
//
// Next returns io.EOF at the end. A line that cannot be read (malformed, longer than
// MaxLineSize, more than MaxObservables values) gives a *LineError with its line number
// and the Event's Line and Raw set; the next call goes on with the following line. Any
// other error comes from the underlying reader and is returned by every later call.
type Reader interface {
	Next() (Event, error)
}

// Event is one log line: its number (from 1), the line itself, the observables read
// from it and the time it records (zero when it has none).
//
// Raw and the Observables slice are reused by the next call of Next: copy them to keep
// them. The strings in the observables stay valid.
type Event struct {
	Line        int64
	Raw         []byte
	Observables []Observable
	Time        time.Time
}

// The readers' bounds on memory.
const (
	MaxLineSize    = 1 << 20 // longer lines (CSV records) are reported and skipped
	MaxObservables = 4096    // lines with more values are reported and skipped
)

// LineError is a line that could not be read. The stream goes on after it.
type LineError struct {
	Line int64
	Err  error // a *firebreak.Error with code EINVALID whose message names the line
}

// Error returns the message, which starts with the line number.
func (e *LineError) Error() string { return e.Err.Error() }

// Unwrap returns the *firebreak.Error.
func (e *LineError) Unwrap() error { return e.Err }

func lineError(line int64, format string, args ...any) *LineError {
	return &LineError{Line: line, Err: firebreak.Errorf(firebreak.EINVALID, "line %d: %s", line, fmt.Sprintf(format, args...))}
}

// lineReader splits its input into lines, without their line endings, holding at most
// MaxLineSize bytes of a line.
type lineReader struct {
	br   *bufio.Reader
	buf  []byte
	line int64 // number of the last line returned
	err  error // sticky: io.EOF or the underlying reader's error
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next line, valid until the following call; tooLong reports a line
// over MaxLineSize, which is skipped (line is then nil).
func (l *lineReader) next() (line []byte, tooLong bool, err error) {
	if l.err != nil {
		return nil, false, l.err
	}
	l.buf = l.buf[:0]
	over, started := false, false
	for {
		chunk, err := l.br.ReadSlice('\n')
		started = started || len(chunk) > 0
		if !over {
			if err == nil && len(l.buf) == 0 {
				l.line++
				return trimEOL(chunk), false, nil // the common case: no copy
			}
			if len(l.buf)+len(chunk) > MaxLineSize+2 {
				over = true
				l.buf = l.buf[:0]
			} else {
				l.buf = append(l.buf, chunk...)
			}
		}
		switch err {
		case nil:
		case bufio.ErrBufferFull:
			continue
		default:
			l.err = err
			if !started {
				return nil, false, err
			}
		}
		l.line++
		line := trimEOL(l.buf)
		if over || len(line) > MaxLineSize {
			return nil, true, nil
		}
		return line, false, nil
	}
}

func trimEOL(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte{'\n'})
	return bytes.TrimSuffix(b, []byte{'\r'})
}

// eventBuilder collects the observables of one line. Their values are copied into one
// buffer and become one string per line, so a line costs one allocation for its values.
type eventBuilder struct {
	vals []byte
	pend []pendingObservable
	obs  []Observable
	time time.Time
	over bool // more than MaxObservables
}

type pendingObservable struct {
	typ, path  string
	start, end int
}

func (b *eventBuilder) reset() {
	b.vals, b.pend, b.time, b.over = b.vals[:0], b.pend[:0], time.Time{}, false
}

// add adds an observable; empty values are skipped.
func (b *eventBuilder) add(typ, path string, v []byte) {
	if len(v) == 0 {
		return
	}
	if len(b.pend) >= MaxObservables {
		b.over = true
		return
	}
	start := len(b.vals)
	b.vals = append(b.vals, v...)
	b.pend = append(b.pend, pendingObservable{typ, path, start, len(b.vals)})
}

// again adds an observable with the value of the last one added.
func (b *eventBuilder) again(typ, path string) {
	if len(b.pend) == 0 || b.over {
		return
	}
	if len(b.pend) >= MaxObservables {
		b.over = true
		return
	}
	p := b.pend[len(b.pend)-1]
	b.pend = append(b.pend, pendingObservable{typ, path, p.start, p.end})
}

// event returns the event of the line.
func (b *eventBuilder) event(line int64, raw []byte) Event {
	s := string(b.vals)
	b.obs = b.obs[:0]
	for _, p := range b.pend {
		b.obs = append(b.obs, Observable{Type: p.typ, Path: p.path, Value: s[p.start:p.end], Time: b.time})
	}
	return Event{Line: line, Raw: raw, Observables: b.obs, Time: b.time}
}
