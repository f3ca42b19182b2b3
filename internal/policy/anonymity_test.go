package policy_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

// individual is an identity of a person, whose name the hub then scrubs from free text.
func individual(n int, name string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"type":"identity","spec_version":"2.1","id":"identity--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":%q,"identity_class":"individual","object_marking_refs":["%s"]}`,
		n, name, stix.TLPClearID))
}

// TestScrubberConcurrentSubmissions submits people's identities from many goroutines at
// once; run with -race, growing the shared list of names unlocked is reported. Every name
// still reaches the scrubber.
func TestScrubberConcurrentSubmissions(t *testing.T) {
	h := newHub(t)
	co := h.as("co-token-0123456789")
	// The first names are read into the scrubber by the next submission, and the next
	// ones wait in the store for the concurrent submissions, which all read them at once.
	h.submit(co, individual(1, "Alice Example"), individual(2, "Bob Example"), individual(3, "Carol Example"))
	h.submit(co, sharedIndicator(1, "192.0.2.1"))
	h.submit(co, individual(4, "Jon Other"), individual(5, "Kim Other"), individual(6, "Lee Other"))
	var names []string
	for round := range 4 {
		h.submit(co, individual(100+round, fmt.Sprintf("Pat Round%c", 'A'+round)))
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			name := fmt.Sprintf("Sam Person%c%c", 'A'+round, 'A'+i)
			names = append(names, name)
			wg.Go(func() {
				<-start
				st, err := h.guard.Submit(co, firebreak.AliasInbox, []json.RawMessage{individual(1000+round*10+i, name)})
				if err == nil && len(st.Failures) > 0 {
					err = fmt.Errorf("submit %s: %+v", name, st.Failures)
				}
				if err != nil {
					errs <- err
				}
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
	// A note naming every person: each name is redacted for other readers.
	text := strings.Join(append([]string{"Alice Example", "Bob Example", "Carol Example", "Jon Other", "Kim Other", "Lee Other"}, names...), ", ")
	note := fmt.Sprintf(`{"type":"note","spec_version":"2.1","id":"note--00000000-0000-4000-8000-000000000099","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","content":%q,"object_refs":["identity--00000000-0000-4000-8000-000000000001"],"object_marking_refs":["%s"]}`, text, stix.TLPClearID)
	h.submit(co, json.RawMessage(note))
	page, err := h.guard.Objects(h.as("dept-token-0123456789"), firebreak.AliasShared, firebreak.ObjectFilter{IDs: []string{"note--00000000-0000-4000-8000-000000000099"}})
	if err != nil || len(page.Objects) != 1 {
		t.Fatalf("read the note: %d objects, %v", len(page.Objects), err)
	}
	for _, name := range append([]string{"Alice Example", "Lee Other"}, names...) {
		if strings.Contains(string(page.Objects[0].Raw), name) {
			t.Errorf("another reader receives the name %q: %s", name, page.Objects[0].Raw)
		}
	}
}
