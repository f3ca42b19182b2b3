// Package stix parses and validates STIX 2.1 objects as they arrive at the hub.
//
// Everything that arrives may be hostile, so the package keeps each object as the exact
// bytes submitted (never re-serialised, timestamps keep their precision) and extracts and
// checks only what the hub needs: the common properties, the required properties and "at
// least one of" rules of every STIX 2.1 object type, the types of the key properties,
// markings and extensions. JSON itself is checked by a small single-pass scanner that also
// refuses what encoding/json would silently resolve (duplicate keys, unpaired surrogates)
// and nesting deeper than a limit.
//
// SplitObjects and Reader take bundles and TAXII envelopes apart without re-encoding: the
// objects they return are sub-slices (or byte-for-byte copies) of the input.
package stix

import (
	"encoding/json"

	firebreak "github.com/firebreak/firebreak"
)

// Kind classifies an object type.
type Kind int

// The kinds of STIX 2.1 objects.
const (
	KindSDO  Kind = iota + 1 // STIX Domain Object
	KindSRO                  // STIX Relationship Object
	KindSCO                  // STIX Cyber-observable Object
	KindMeta                 // marking-definition, language-content, extension-definition
)

var kindNames = [...]string{"", "SDO", "SRO", "SCO", "meta object"}

// String returns the kind's short name ("SDO").
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) || k == 0 {
		return "unknown"
	}
	return kindNames[k]
}

// GranularMarking is one entry of an object's granular_markings: a marking definition or a
// language applied to the properties its selectors name.
type GranularMarking struct {
	Selectors  []string
	MarkingRef string // set when the entry applies a marking definition
	Lang       string // set when the entry applies a language
}

// Object is one parsed, validated STIX 2.1 object.
type Object struct {
	// Raw is exactly the bytes given to Parse (the same slice, not a copy).
	Raw         json.RawMessage
	Type, ID    string
	SpecVersion string // "2.1"; SCOs without spec_version also get "2.1"
	Kind        Kind
	// Created and Modified are exactly as submitted, "" when absent.
	Created, Modified string
	Revoked           bool
	CreatedByRef      string
	ObjectMarkingRefs []string
	GranularMarkings  []GranularMarking
	// Extensions maps each key of the object's "extensions" property to its raw value.
	Extensions map[string]json.RawMessage
	// DefinitionType, Definition (the legacy form of a marking) and Name are set for
	// marking-definition objects only.
	DefinitionType string
	Definition     json.RawMessage
	Name           string
	// Pattern and PatternType are set for indicators only (both are required there), so
	// that callers check or compile the pattern without decoding Raw again.
	Pattern, PatternType string
}

// Version returns Modified, else Created, else "" (SCOs and marking definitions have no
// modified; most SCOs have neither).
func (o *Object) Version() string {
	if o.Type == "marking-definition" {
		// Marking definitions cannot be versioned (section 7.2.1): one published with a
		// modified timestamp is still its one and only version, identified by created.
		return o.Created
	}
	if o.Modified != "" {
		return o.Modified
	}
	return o.Created
}

// Error is why an object was rejected. It unwraps to a *firebreak.Error with code
// EINVALID, so firebreak.ErrorCode and firebreak.ErrorMessage classify it.
type Error struct {
	ID       string // the object's id when it could be read, else ""
	Type     string // the object's type when it could be read, else ""
	Property string // the property at fault ("" for the object as a whole), e.g. "external_references[0].source_name"
	Reason   string
}

// Error gives "<id>: <property>: <reason>", or "object: <reason>" when no id could be read.
func (e *Error) Error() string {
	who := e.ID
	if who == "" {
		who = "object"
	}
	if e.Property != "" {
		return who + ": " + e.Property + ": " + e.Reason
	}
	return who + ": " + e.Reason
}

// Unwrap returns the equivalent *firebreak.Error (EINVALID, the same message).
func (e *Error) Unwrap() error {
	return &firebreak.Error{Code: firebreak.EINVALID, Message: e.Error()}
}

// Options tunes the limits of Parse, SplitObjects and Reader. The zero value of a field
// means its default.
type Options struct {
	// MaxDepth is the deepest nesting of JSON objects and arrays accepted (default 64). For
	// SplitObjects and Reader it counts from the envelope, which is at depth 1.
	MaxDepth int
	// MaxObjectBytes rejects larger objects; 0 means no limit (the HTTP layer caps bodies).
	MaxObjectBytes int
}

// DefaultOptions returns the defaults: MaxDepth 64, no object size limit.
func DefaultOptions() Options { return Options{MaxDepth: 64} }

func (o Options) withDefaults() Options {
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultOptions().MaxDepth
	}
	return o
}

// Parse validates raw as one STIX 2.1 object and returns it. raw is kept, not copied: the
// caller must not modify it afterwards. Errors are *Error.
func Parse(raw []byte) (*Object, error) { return ParseWith(raw, Options{}) }

// ParseWith is Parse with explicit limits.
func ParseWith(raw []byte, opts Options) (*Object, error) {
	opts = opts.withDefaults()
	o, err := parse(raw, opts)
	if err != nil {
		return nil, err
	}
	return o, nil
}
