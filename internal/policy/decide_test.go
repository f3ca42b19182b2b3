package policy

import (
	"testing"

	"github.com/firebreak/firebreak"
)

func TestDecide(t *testing.T) {
	const provider = 1
	vetted := func(id int64, circles ...string) Reader {
		return Reader{Org: firebreak.Organization{ID: id, Name: "org", Status: firebreak.OrgVetted}, Circles: circles}
	}
	withStatus := func(s firebreak.OrgStatus) Reader {
		return Reader{Org: firebreak.Organization{ID: 2, Status: s}}
	}
	tests := []struct {
		name string
		r    Reader
		d    Doc
		want Decision
	}{
		{"provider sees its red object", vetted(provider), Doc{TLP: firebreak.TLPRed}, Decision{Visible: true, Own: true}},
		{"provider sees its unknown-marked object", vetted(provider), Doc{TLP: firebreak.TLPClear, Unknown: []string{"marking-definition--x"}}, Decision{Visible: true, Own: true}},
		{"pending provider still sees its own", Reader{Org: firebreak.Organization{ID: provider, Status: firebreak.OrgPending}}, Doc{TLP: firebreak.TLPRed}, Decision{Visible: true, Own: true}},
		{"vetted member sees clear", vetted(2), Doc{TLP: firebreak.TLPClear}, Decision{Visible: true}},
		{"vetted member sees green without audience", vetted(2), Doc{TLP: firebreak.TLPGreen}, Decision{Visible: true}},
		{"circle member sees green for its circle", vetted(2, "energy"), Doc{TLP: firebreak.TLPGreen, Circles: []string{"energy"}}, Decision{Visible: true}},
		{"outsider does not see green for a circle", vetted(2, "finance"), Doc{TLP: firebreak.TLPGreen, Circles: []string{"energy"}}, Decision{}},
		{"named organisation sees green", vetted(2), Doc{TLP: firebreak.TLPGreen, Orgs: []string{"org"}}, Decision{Visible: true}},
		{"amber stays with provider", vetted(2), Doc{TLP: firebreak.TLPAmber}, Decision{}},
		{"amber+strict stays with provider", vetted(2), Doc{TLP: firebreak.TLPAmberStrict}, Decision{}},
		{"red stays with provider", vetted(2), Doc{TLP: firebreak.TLPRed}, Decision{}},
		{"unknown marking fails closed", vetted(2), Doc{TLP: firebreak.TLPClear, Unknown: []string{"marking-definition--x"}}, Decision{}},
		{"pending reads nothing of others", withStatus(firebreak.OrgPending), Doc{TLP: firebreak.TLPClear}, Decision{}},
		{"suspended reads nothing", withStatus(firebreak.OrgSuspended), Doc{TLP: firebreak.TLPClear}, Decision{}},
		{"revoked reads nothing", withStatus(firebreak.OrgRevoked), Doc{TLP: firebreak.TLPClear}, Decision{}},
		{"no organisation reads nothing", Reader{}, Doc{TLP: firebreak.TLPClear}, Decision{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Decide(tt.r, provider, tt.d); got != tt.want {
				t.Errorf("Decide = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDocEncodeCanonical(t *testing.T) {
	a := Doc{TLP: firebreak.TLPGreen, Circles: []string{"b", "a", "b"}, Unknown: []string{"y", "x"}}
	b := Doc{TLP: firebreak.TLPGreen, Circles: []string{"a", "b"}, Unknown: []string{"x", "y"}}
	if string(a.Encode()) != string(b.Encode()) {
		t.Errorf("equal policies encode differently: %s vs %s", a.Encode(), b.Encode())
	}
	got, err := DecodeDoc(a.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Encode()) != string(b.Encode()) {
		t.Errorf("round trip = %s, want %s", got.Encode(), b.Encode())
	}
	if _, err := DecodeDoc([]byte(`{"tlp":"green","laxer":true}`)); err == nil {
		t.Errorf("DecodeDoc accepted a field it does not know")
	}
}
