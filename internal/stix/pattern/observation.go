package pattern

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"

	firebreak "github.com/firebreak/firebreak"
)

// ObservationFromSTIX builds the Observation of a STIX observed-data object (JSON). In the
// STIX 2.1 form its object_refs are resolved against scos (id to the object's JSON), and so
// are the references those objects make (_ref and _refs properties, also inside
// extensions), so that paths such as network-traffic:dst_ref.value can follow them;
// references to objects not in scos are left out. In the deprecated form the embedded
// "objects" dictionary is used as it is, keyed by its own keys. Errors are
// *firebreak.Error with code EINVALID.
func ObservationFromSTIX(observedData []byte, scos map[string]json.RawMessage) (Observation, error) {
	var od struct {
		Type           string                     `json:"type"`
		FirstObserved  string                     `json:"first_observed"`
		LastObserved   string                     `json:"last_observed"`
		NumberObserved *int                       `json:"number_observed"`
		ObjectRefs     []string                   `json:"object_refs"`
		Objects        map[string]json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(observedData, &od); err != nil {
		return Observation{}, firebreak.Wrap(firebreak.EINVALID, err, "observed-data is not valid JSON")
	}
	if od.Type != "observed-data" {
		return Observation{}, firebreak.Errorf(firebreak.EINVALID, "object of type %q is not observed-data", od.Type)
	}
	var o Observation
	var err error
	if o.First, err = time.Parse(time.RFC3339Nano, od.FirstObserved); err != nil {
		return Observation{}, firebreak.Errorf(firebreak.EINVALID, "observed-data first_observed %q is not a timestamp", od.FirstObserved)
	}
	if o.Last, err = time.Parse(time.RFC3339Nano, od.LastObserved); err != nil {
		return Observation{}, firebreak.Errorf(firebreak.EINVALID, "observed-data last_observed %q is not a timestamp", od.LastObserved)
	}
	if od.NumberObserved == nil || *od.NumberObserved < 1 {
		return Observation{}, firebreak.Errorf(firebreak.EINVALID, "observed-data number_observed must be at least 1")
	}
	o.Count = *od.NumberObserved
	o.Objects = make(map[string]map[string]any)

	if od.Objects != nil { // deprecated embedded form
		for key, raw := range od.Objects {
			obj, err := decodeObject(raw)
			if err != nil {
				return Observation{}, firebreak.Wrap(firebreak.EINVALID, err, "observed-data object "+key+" is not a JSON object")
			}
			o.Objects[key] = obj
		}
		return o, nil
	}
	if len(od.ObjectRefs) == 0 {
		return Observation{}, firebreak.Errorf(firebreak.EINVALID, "observed-data has neither object_refs nor objects")
	}
	queue := append([]string(nil), od.ObjectRefs...)
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if _, done := o.Objects[id]; done {
			continue
		}
		raw, ok := scos[id]
		if !ok {
			continue
		}
		obj, err := decodeObject(raw)
		if err != nil {
			return Observation{}, firebreak.Wrap(firebreak.EINVALID, err, "object "+id+" is not a JSON object")
		}
		o.Objects[id] = obj
		queue = appendRefs(queue, obj)
	}
	return o, nil
}

// decodeObject decodes one JSON object, keeping numbers exact as json.Number.
func decodeObject(raw []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("null")
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, errors.New("data after the object")
	}
	return m, nil
}

// appendRefs appends the identifiers v refers to through _ref and _refs properties, at
// any depth.
func appendRefs(ids []string, v any) []string {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			switch {
			case strings.HasSuffix(k, "_ref"):
				if id, ok := x.(string); ok {
					ids = append(ids, id)
				}
			case strings.HasSuffix(k, "_refs"):
				if l, ok := x.([]any); ok {
					for _, e := range l {
						if id, ok := e.(string); ok {
							ids = append(ids, id)
						}
					}
				}
			default:
				ids = appendRefs(ids, x)
			}
		}
	case []any:
		for _, x := range v {
			ids = appendRefs(ids, x)
		}
	}
	return ids
}
