package firebreak

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// JSONProblem says what is wrong with input that encoding/json refused, in the input's
// own terms (where, which field), never in the decoder's words, which name Go types: it
// is safe to show to whoever sent the input. It returns "" for an error it does not
// recognise (an unknown field, say), for the caller to describe in terms of its own.
func JSONProblem(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("invalid JSON at byte %d", syntax.Offset)
	case errors.As(err, &typ) && typ.Field != "":
		field := typ.Field
		if len(field) > 120 {
			field = field[:120] + "…"
		}
		return fmt.Sprintf("%s has the wrong type (a JSON %s is not accepted there)", field, typ.Value)
	case errors.Is(err, io.EOF):
		return "empty; a JSON object is required"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "incomplete JSON"
	}
	return ""
}
