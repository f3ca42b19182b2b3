package storetest

import "github.com/firebreak/firebreak"

// testContactsAdvanceEpoch checks that PutContacts moves the directory epoch (finding 8
// of issue 13): contact names are what the personal-data scrubber looks for, and the
// guard of every node reloads them only when the epoch moves, so a contact added through
// one node must be scrubbed from the next object submitted through any node.
func testContactsAdvanceEpoch(f *fixture) {
	ids := f.orgs("a")
	for i, cs := range [][]firebreak.Contact{
		{{Name: "Zoltan Kertesz", Email: "zk@a.example"}},
		{{Name: "Zoltan Kertesz", Email: "zk@a.example"}, {Name: "Ana Ruiz"}},
		nil,
	} {
		before := f.epoch()
		if err := f.s.PutContacts(f.ctx, ids[0], cs, []byte(`{"action":"contacts"}`)); err != nil {
			f.Fatalf("PutContacts #%d: %v", i+1, err)
		}
		if after := f.epoch(); after <= before {
			f.Errorf("PutContacts #%d: epoch %d -> %d, want it to advance", i+1, before, after)
		}
	}
	// A write that fails changes nothing, the epoch included.
	before := f.epoch()
	if err := f.s.PutContacts(f.ctx, ids[0], []firebreak.Contact{{Name: "X"}}, []byte{}); err == nil {
		f.Errorf("PutContacts with an empty audit body succeeded")
	}
	if after := f.epoch(); after != before {
		f.Errorf("a failed PutContacts moved the epoch %d -> %d", before, after)
	}
}
