package stix

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// benchIndicator is a realistic indicator of about 700 bytes: creator, TLP and policy
// markings, a granular marking, an external reference and a kill chain phase.
const benchIndicator = `{"type":"indicator","spec_version":"2.1","id":"indicator--6a2e1f4c-3b7d-4e8a-9c1f-2d5b8e7a4c3d",` +
	`"created_by_ref":"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff","created":"2024-03-05T10:11:12.123Z",` +
	`"modified":"2024-03-05T10:11:12.123Z","name":"Emotet C2 server","indicator_types":["malicious-activity"],` +
	`"pattern":"[ipv4-addr:value = '198.51.100.23']","pattern_type":"stix","valid_from":"2024-03-05T10:11:12Z",` +
	`"kill_chain_phases":[{"kill_chain_name":"mitre-attack","phase_name":"command-and-control"}],` +
	`"external_references":[{"source_name":"feodotracker","url":"https://feodotracker.abuse.ch/"}],` +
	`"object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],` +
	`"granular_markings":[{"selectors":["name"],"marking_ref":"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"}]}`

func TestBenchIndicatorIsValid(t *testing.T) {
	if _, err := Parse([]byte(benchIndicator)); err != nil {
		t.Fatal(err)
	}
	if n := len(benchIndicator); n < 650 || n > 800 {
		t.Errorf("benchIndicator is %d bytes, want about 700", n)
	}
}

func BenchmarkParseIndicator(b *testing.B) {
	raw := []byte(benchIndicator)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(raw); err != nil {
			b.Fatal(err)
		}
	}
}

func envelopeOf(n int) []byte {
	var buf bytes.Buffer
	buf.WriteString(`{"more":false,"objects":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			buf.WriteString(",\n")
		}
		buf.WriteString(benchIndicator)
	}
	buf.WriteString("]}")
	return buf.Bytes()
}

func BenchmarkSplitObjects1000(b *testing.B) {
	body := envelopeOf(1000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		objs, err := SplitObjects(body)
		if err != nil || len(objs) != 1000 {
			b.Fatal(len(objs), err)
		}
	}
}

// BenchmarkIngest1000 is what the HTTP layer does with an envelope: split, then parse each
// object.
func BenchmarkIngest1000(b *testing.B) {
	body := envelopeOf(1000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		objs, err := SplitObjects(body)
		if err != nil {
			b.Fatal(err)
		}
		for _, raw := range objs {
			if _, err := Parse(raw); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkReader1000(b *testing.B) {
	body := envelopeOf(1000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(bytes.NewReader(body))
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 1000 {
			b.Fatal(n)
		}
	}
}

// BenchmarkSchemaValidateIndicator measures the OASIS schema validation of the same object
// (decoding included), to compare with Parse.
func BenchmarkSchemaValidateIndicator(b *testing.B) {
	s := loadSchemas(b)
	sch := s.byType["indicator"]
	b.SetBytes(int64(len(benchIndicator)))
	b.ReportAllocs()
	for b.Loop() {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(benchIndicator))
		if err != nil {
			b.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			b.Fatal(err)
		}
	}
}
