package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progress draws a one-line progress bar on a terminal and stays silent otherwise, so
// that logs and pipes get only the final summary.
type progress struct {
	w       io.Writer
	on      bool
	label   string
	total   int64 // bytes; 0 when unknown
	start   time.Time
	mu      sync.Mutex
	done    int64
	items   int64
	lastOut time.Time
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newProgress(w io.Writer, label string, total int64) *progress {
	return &progress{w: w, on: isTerminal(w), label: label, total: total, start: time.Now()}
}

// add records n more bytes and k more items, redrawing at most ten times a second.
func (p *progress) add(n, k int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	p.items += k
	if !p.on || time.Since(p.lastOut) < 100*time.Millisecond {
		return
	}
	p.lastOut = time.Now()
	p.draw()
}

func (p *progress) draw() {
	el := time.Since(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(p.items) / el
	}
	if p.total > 0 {
		frac := min(float64(p.done)/float64(p.total), 1)
		const width = 30
		filled := int(frac * width)
		bar := make([]byte, width)
		for i := range bar {
			switch {
			case i < filled:
				bar[i] = '='
			case i == filled:
				bar[i] = '>'
			default:
				bar[i] = ' '
			}
		}
		fmt.Fprintf(p.w, "\r%s [%s] %5.1f%%  %d objects  %.0f/s ", p.label, bar, frac*100, p.items, rate)
		return
	}
	fmt.Fprintf(p.w, "\r%s %d objects  %.0f/s ", p.label, p.items, rate)
}

// finish clears the bar.
func (p *progress) finish() {
	if p == nil || !p.on {
		return
	}
	p.mu.Lock()
	p.draw()
	fmt.Fprintln(p.w)
	p.mu.Unlock()
}

// countingReader reports the bytes read through it to a progress bar.
type countingReader struct {
	r io.Reader
	p *progress
}

func (c countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.add(int64(n), 0)
	return n, err
}
