package pattern

import (
	"fmt"
	"strconv"

	firebreak "github.com/firebreak/firebreak"
)

// SyntaxError is the error Parse returns: where the pattern is wrong and why. It covers
// grammar errors and the semantic rules of the specification alike.
type SyntaxError struct {
	Offset int    // byte offset into the pattern
	Line   int    // 1-based line
	Col    int    // 1-based column, in characters
	Msg    string // what is wrong, safe to show to the submitter
}

// Error renders the error as "pattern:line:col: message".
func (e *SyntaxError) Error() string {
	return "pattern:" + strconv.Itoa(e.Line) + ":" + strconv.Itoa(e.Col) + ": " + e.Msg
}

// Unwrap classifies the error as an invalid request for the hub's error handling
// (firebreak.ErrorCode gives EINVALID, firebreak.ErrorMessage the rendered error).
func (e *SyntaxError) Unwrap() error {
	return &firebreak.Error{Code: firebreak.EINVALID, Message: e.Error()}
}

// errAt builds a SyntaxError at a byte offset of src.
func errAt(src string, off int, format string, args ...any) *SyntaxError {
	line, col := 1, 1
	for _, r := range src[:min(off, len(src))] {
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &SyntaxError{Offset: off, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}
