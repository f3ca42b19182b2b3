package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/audit"
	"github.com/firebreak/firebreak/internal/policy"
	"github.com/firebreak/firebreak/internal/sqlite"
	"github.com/firebreak/firebreak/internal/stix"
	"github.com/firebreak/firebreak/internal/taxii"
)

var seedFlag = flag.Uint64("seed", 0, "seed of TestDifferentialPolicy (0: a new one, printed)")

// world is a random hub: organisations, circles, marking definitions and objects, with
// what the test knows about each so that it can compute the expected answers with the
// pure functions alone.
type world struct {
	rng      *rand.Rand
	now      time.Time
	orgs     []firebreak.DeclaredOrganization
	tokens   map[string]string // org name -> token
	circles  []firebreak.DeclaredCircle
	markings map[string]*stix.Object // marking definitions by id
	markRaw  []json.RawMessage
	versions []version // every object version, in submission order
}

type version struct {
	id, ver  string
	provider string
	raw      []byte
}

var (
	countries = []string{"US", "CA", "MX"}
	attests   = []string{"secret", "energy-clearance"}
)

func newWorld(seed uint64) *world {
	w := &world{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: time.Now().UTC(),
		tokens: map[string]string{}, markings: map[string]*stix.Object{}}
	r := w.rng
	const nOrgs = 36
	statuses := []firebreak.OrgStatus{firebreak.OrgVetted, firebreak.OrgVetted, firebreak.OrgVetted, firebreak.OrgVetted,
		firebreak.OrgVetted, firebreak.OrgPending, firebreak.OrgSuspended, firebreak.OrgRevoked}
	for i := 0; i < nOrgs; i++ {
		o := firebreak.DeclaredOrganization{
			Name:    fmt.Sprintf("org-%02d", i),
			Country: countries[r.IntN(len(countries))],
			Type:    firebreak.OrgTypes[r.IntN(len(firebreak.OrgTypes))],
			Status:  statuses[r.IntN(len(statuses))],
		}
		if i == 0 {
			o.Name, o.Type, o.Status, o.Country = "operator", firebreak.TypeCERT, firebreak.OrgVetted, "US"
		}
		if i > 1 && r.IntN(3) == 0 {
			o.Parent = w.orgs[1+r.IntN(i-1)].Name
		}
		for _, a := range attests {
			if r.IntN(2) == 0 {
				exp := time.Time{}
				switch r.IntN(3) {
				case 0:
					exp = w.now.Add(-time.Hour) // lapsed
				case 1:
					exp = w.now.Add(time.Hour)
				}
				o.Attestations = append(o.Attestations, firebreak.Attestation{Name: a, Expires: exp})
			}
		}
		if r.IntN(5) == 0 {
			o.Affiliations = []firebreak.Affiliation{{Name: "vendor", Country: []string{"CN", "RU", "DE"}[r.IntN(3)]}}
		}
		w.orgs = append(w.orgs, o)
		w.tokens[o.Name] = fmt.Sprintf("token-%s-%016x", o.Name, r.Uint64())
	}
	for i := 0; i < 5; i++ {
		c := firebreak.DeclaredCircle{Name: fmt.Sprintf("circle-%d", i)}
		for _, o := range w.orgs {
			if r.IntN(3) == 0 {
				c.Members = append(c.Members, o.Name)
			}
		}
		if r.IntN(2) == 0 {
			c.Rules.Countries = []string{countries[r.IntN(len(countries))]}
		}
		if r.IntN(2) == 0 {
			c.Rules.Attestations = []string{attests[r.IntN(len(attests))]}
		}
		if r.IntN(3) == 0 {
			c.Rules.DenyAffiliationCountries = []string{"CN", "RU"}
		}
		if r.IntN(4) == 0 {
			c.Rules.Types = []firebreak.OrgType{firebreak.TypePrivate, firebreak.TypeGovernment}
		}
		w.circles = append(w.circles, c)
	}
	// Policy markings.
	for i := 0; i < 40; i++ {
		id := fmt.Sprintf("marking-definition--%08x-0000-4000-8000-%012x", i, r.Uint64()&0xffffffffffff)
		var props []string
		if r.IntN(2) == 0 {
			var cs, os []string
			for j := 0; j < r.IntN(3); j++ {
				cs = append(cs, strconv.Quote(w.circles[r.IntN(len(w.circles))].Name))
			}
			for j := 0; j < r.IntN(4); j++ {
				o := w.orgs[r.IntN(len(w.orgs))]
				name := o.Name
				if r.IntN(2) == 0 {
					name = "identity-of:" + o.Name // replaced below by the identity id
				}
				os = append(os, strconv.Quote(name))
			}
			props = append(props, fmt.Sprintf(`"audience":{"circles":[%s],"organizations":[%s]}`, strings.Join(cs, ","), strings.Join(os, ",")))
		}
		if r.IntN(2) == 0 {
			props = append(props, fmt.Sprintf(`"attribution":%q`, []string{"none", "pseudonymous", "government", "everyone"}[r.IntN(4)]))
		}
		var cv []string
		for _, c := range policy.Caveats {
			if r.IntN(5) == 0 {
				cv = append(cv, strconv.Quote(c))
			}
		}
		if len(cv) > 0 {
			props = append(props, `"caveats":[`+strings.Join(cv, ",")+`]`)
		}
		switch r.IntN(6) {
		case 0:
			props = append(props, fmt.Sprintf(`"expires":%q`, w.now.Add(-time.Hour).Format(time.RFC3339)))
		case 1:
			props = append(props, fmt.Sprintf(`"expires":%q`, w.now.Add(24*time.Hour).Format(time.RFC3339)))
		}
		if r.IntN(15) == 0 {
			props = append(props, `"colour":"blue"`) // not understood: fails closed
		}
		ext := `"extension_type":"property-extension"`
		if len(props) > 0 {
			ext += "," + strings.Join(props, ",")
		}
		w.markRaw = append(w.markRaw, json.RawMessage(fmt.Sprintf(`{"type":"marking-definition","spec_version":"2.1","id":%q,"created":"2026-01-01T00:00:00.000Z","extensions":{%q:{%s}}}`, id, stix.PolicyExtensionID, ext)))
	}
	return w
}

// resolveIdentities replaces the "identity-of:" placeholders in the markings with the
// identity ids the hub gave the organisations, and parses them.
func (w *world) resolveIdentities(t *testing.T, ids map[string]string) {
	for i, raw := range w.markRaw {
		s := string(raw)
		for name, id := range ids {
			s = strings.ReplaceAll(s, `"identity-of:`+name+`"`, strconv.Quote(id))
		}
		w.markRaw[i] = json.RawMessage(s)
		for k := range w.orgs {
			raw := w.markingFor(k, w.markRaw[i])
			o, err := stix.Parse(raw)
			if err != nil {
				t.Fatalf("marking %s: %v", raw, err)
			}
			w.markings[o.ID] = o
		}
	}
}

// markingFor returns provider k's copy of a marking definition (or of a reference to
// one): marking definitions resolve within their provider, so each provider submits its
// own, with ids of its own.
func (w *world) markingFor(k int, raw []byte) []byte {
	return []byte(strings.Replace(string(raw), "-0000-4000-8000-", fmt.Sprintf("-%04x-4000-8000-", k), 1))
}

var tlpRefs = []string{stix.TLPClearID, stix.TLPGreenID, stix.TLPAmberID, stix.TLPAmberStrictID, stix.TLPRedID,
	stix.TLP1WhiteID, stix.TLP1GreenID, stix.TLP1AmberID, stix.TLP1RedID}

// object makes a random indicator version by provider k.
func (w *world) object(n int, modified string, k int) string {
	return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":"indicator--%08x-1111-4111-8111-000000000000","created":"2026-01-01T00:00:00.000Z","modified":%q,"created_by_ref":"identity--%08x-2222-4222-8222-000000000000","name":"n%d","description":"secret notes","pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"%s}`,
		n, modified, n, n, w.marks(k))
}

// relationship makes a random relationship by provider k between two indicators, which
// a reader receives only when it may see both ends.
func (w *world) relationship(n, source, target, k int) string {
	return fmt.Sprintf(`{"type":"relationship","spec_version":"2.1","id":"relationship--%08x-3333-4333-8333-000000000000","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","created_by_ref":"identity--%08x-2222-4222-8222-000000000000","relationship_type":"related-to","description":"secret notes","source_ref":"indicator--%08x-1111-4111-8111-000000000000","target_ref":"indicator--%08x-1111-4111-8111-000000000000"%s}`,
		n, n, source, target, w.marks(k))
}

// marks returns random markings of provider k, as the members that end an object.
func (w *world) marks(k int) string {
	r := w.rng
	var marks []string
	if r.IntN(8) != 0 {
		marks = append(marks, strconv.Quote(tlpRefs[r.IntN(len(tlpRefs))]))
	}
	if n := r.IntN(3); n > 0 {
		for ; n > 0; n-- {
			tmpl, _ := stix.Parse(w.markRaw[r.IntN(len(w.markRaw))])
			marks = append(marks, strconv.Quote(string(w.markingFor(k, []byte(tmpl.ID)))))
		}
	}
	if r.IntN(40) == 0 {
		marks = append(marks, `"marking-definition--ffffffff-ffff-4fff-bfff-ffffffffffff"`) // unknown
	}
	extra := ""
	if len(marks) > 0 {
		extra = `,"object_marking_refs":[` + strings.Join(marks, ",") + `]`
	}
	if r.IntN(6) == 0 {
		extra += fmt.Sprintf(`,"granular_markings":[{"marking_ref":%q,"selectors":["description"]}]`, tlpRefs[r.IntN(5)])
	}
	return extra
}

// TestDifferentialPolicy checks that every read path returns exactly what the pure
// decision function says, for random organisations, circles, markings, objects and
// readers: at least 100,000 (reader, object) pairs, zero differences.
func TestDifferentialPolicy(t *testing.T) {
	if testing.Short() {
		t.Skip("the differential test takes a few seconds; skipped with -short")
	}
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay with go test ./internal/httpapi -run TestDifferentialPolicy -seed %d)", seed, seed)
	w := newWorld(seed)
	ctx := context.Background()
	store, err := sqlite.Open(ctx, t.TempDir(), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	d := firebreak.Directory{Hub: firebreak.Hub{Name: "diff", Country: "US", Operator: "operator"}, Organizations: w.orgs, Circles: w.circles}
	// Two organisations are peer hubs' accounts: they read as peers, capped by their
	// agreements, and what they provide came from a peer.
	peers := map[string]*firebreak.Peer{}
	for _, i := range []int{3, 4} {
		o := w.orgs[i]
		pr := firebreak.Peer{Name: o.Name, URL: "http://127.0.0.1:1/api/", Country: o.Country, Type: o.Type, Direction: firebreak.PeerPull,
			Interval: time.Hour, MaxTLP: firebreak.TLP(w.rng.IntN(3)), Attribution: w.rng.IntN(2) == 0}
		if w.rng.IntN(2) == 0 {
			pr.Circles = []string{w.circles[0].Name}
		}
		d.Peers = append(d.Peers, pr)
		peers[o.Name] = &pr
	}
	for _, o := range w.orgs {
		roles := []firebreak.Role{firebreak.RoleAnalyst}
		if o.Name == "operator" {
			roles = append(roles, firebreak.RoleOperator)
		}
		d.Users = append(d.Users, firebreak.DeclaredUser{Name: "u-" + o.Name, Organization: o.Name, Roles: roles, TokenHash: firebreak.HashToken(w.tokens[o.Name])})
	}
	if err := store.Apply(ctx, d); err != nil {
		t.Fatal(err)
	}
	stored, err := store.Organizations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	byName := map[string]firebreak.Organization{}
	byID := map[int64]firebreak.Organization{}
	for _, o := range stored {
		ids[o.Name] = o.IdentityID
		byName[o.Name] = o
		byID[o.ID] = o
	}
	w.resolveIdentities(t, ids)
	hub, _ := store.Hub(ctx)
	guard := policy.NewGuard(store, policy.Options{DefaultTLP: firebreak.TLPAmber, Auditor: audit.New(store)})
	srv := httptest.NewServer(New(Config{Objects: guard, Auth: guard, MaxContentLength: 64 << 20}).Handler())
	defer srv.Close()

	// Objects: random providers among those that may write, some with several versions.
	var writers []string
	for _, o := range w.orgs {
		if o.Status == firebreak.OrgVetted || o.Status == firebreak.OrgPending {
			writers = append(writers, o.Name)
		}
	}
	const nObjects = 3000
	owner := map[int]string{}
	var batches = map[string][]json.RawMessage{}
	index := map[string]int{}
	for k, o := range w.orgs {
		index[o.Name] = k
	}
	for n := 0; n < nObjects; n++ {
		p := writers[w.rng.IntN(len(writers))]
		owner[n] = p
		nv := 1 + w.rng.IntN(3)/2 // mostly one version, some two
		for v := 0; v < nv; v++ {
			mod := fmt.Sprintf("2026-0%d-01T00:00:00.000Z", v+1)
			raw := w.object(n, mod, index[p])
			batches[p] = append(batches[p], json.RawMessage(raw))
			w.versions = append(w.versions, version{id: fmt.Sprintf("indicator--%08x-1111-4111-8111-000000000000", n), ver: mod, provider: p, raw: []byte(raw)})
		}
		if w.rng.IntN(6) == 0 {
			// Another provider holds a copy of the first version, under its own markings.
			p2 := writers[w.rng.IntN(len(writers))]
			if p2 != p {
				mod := "2026-01-01T00:00:00.000Z"
				raw := w.object(n, mod, index[p2])
				batches[p2] = append(batches[p2], json.RawMessage(raw))
				w.versions = append(w.versions, version{id: fmt.Sprintf("indicator--%08x-1111-4111-8111-000000000000", n), ver: mod, provider: p2, raw: []byte(raw)})
			}
		}
	}
	const nRelationships = 400
	for n := 0; n < nRelationships; n++ {
		p := writers[w.rng.IntN(len(writers))]
		raw := w.relationship(n, w.rng.IntN(nObjects), w.rng.IntN(nObjects), index[p])
		batches[p] = append(batches[p], json.RawMessage(raw))
		w.versions = append(w.versions, version{id: fmt.Sprintf("relationship--%08x-3333-4333-8333-000000000000", n), ver: "2026-01-01T00:00:00.000Z", provider: p, raw: []byte(raw)})
	}
	// Every provider submits its own policy markings with its objects, through TAXII.
	var markVersions []version
	for _, p := range writers {
		if len(batches[p]) == 0 {
			continue
		}
		var own []json.RawMessage
		for _, tmpl := range w.markRaw {
			raw := w.markingFor(index[p], tmpl)
			own = append(own, raw)
			o, _ := stix.Parse(raw)
			markVersions = append(markVersions, version{id: o.ID, ver: o.Version(), provider: p, raw: raw})
		}
		batches[p] = append(own, batches[p]...)
	}
	w.versions = append(markVersions, w.versions...)
	// The hub's order of the versions: writers post one after another, each envelope in
	// its order. Of the copies of one version a reader may see, it gets the first stored.
	order := map[string]int{}
	for _, p := range writers {
		for _, raw := range batches[p] {
			o, _ := stix.Parse(raw)
			order[p+"|"+o.ID+"|"+o.Version()] = len(order)
		}
	}
	for _, p := range writers {
		if len(batches[p]) == 0 {
			continue
		}
		st := postEnvelope(t, srv.URL, w.tokens[p], batches[p])
		if st.FailureCount != 0 {
			t.Fatalf("%s: %d failures, first %+v", p, st.FailureCount, st.Failures[0])
		}
	}

	// The expected view of each reader, from the pure functions alone.
	circlesOf := func(o firebreak.Organization) []string {
		var out []string
		for _, c := range w.circles {
			if slices.Contains(c.Members, o.Name) {
				if ok, _ := c.Rules.Admits(o, time.Now()); ok {
					out = append(out, c.Name)
				}
			}
		}
		slices.Sort(out)
		return out
	}
	ancestors := func(o firebreak.Organization) []int64 {
		var out []int64
		for p := o.ParentID; p != 0; p = byID[p].ParentID {
			out = append(out, p)
		}
		return out
	}
	// Each version's policy, compiled once. A provider's markings are its own, with ids
	// of their own, so Compile sees every definition under its one id.
	type compiledVersion struct {
		c    policy.Compiled
		prov policy.Provider
	}
	compiled := map[string]compiledVersion{}
	for _, v := range w.versions {
		o, _ := stix.Parse(v.raw)
		prov := byName[v.provider]
		compiled[v.provider+"|"+v.id+"|"+v.ver] = compiledVersion{policy.Compile(o, w.markings, policy.CompileOptions{DefaultTLP: firebreak.TLPAmber}),
			policy.Provider{Org: prov, Ancestors: ancestors(prov), Peer: peers[prov.Name] != nil}}
	}
	// marked lists, for a reader, the marking definitions of each provider that mark a
	// version it may see as a member (whether expired or not: a definition follows the
	// policies it shaped).
	markedFor := func(rd policy.Reader) map[string]bool {
		out := map[string]bool{}
		for _, v := range w.versions {
			cv := compiled[v.provider+"|"+v.id+"|"+v.ver]
			if cv.c.Doc.Defines != "" {
				continue
			}
			if dec := policy.Decide(rd, cv.prov, cv.c.Doc); dec.Visible && !dec.AsOperator {
				for _, m := range cv.c.Doc.Markings {
					out[v.provider+"|"+m] = true
				}
			}
		}
		return out
	}
	decide := func(rd policy.Reader, marked map[string]bool, v version) (policy.Decision, bool) {
		cv := compiled[v.provider+"|"+v.id+"|"+v.ver]
		dec := policy.Decide(rd, cv.prov, cv.c.Doc)
		if cv.c.Doc.Defines != "" && !dec.Own {
			// A marking definition reaches a member who may see something it marks.
			if !dec.Visible || dec.AsOperator || !marked[v.provider+"|"+v.id] {
				if !rd.Operator {
					return policy.Decision{}, false
				}
				dec = policy.Decision{Visible: true, AsOperator: true, NameProvider: true}
			}
		}
		expired := !cv.c.Expires.IsZero() && !time.Now().Before(cv.c.Expires)
		if expired && !dec.Own {
			if !rd.Operator {
				return policy.Decision{}, false
			}
			// Only the operator role still shows it: read as submitted, and audited.
			dec = policy.Decision{Visible: true, AsOperator: true, NameProvider: true}
		}
		return dec, dec.Visible
	}

	// expect is a reader's expected view: per object, the visible versions in order (of
	// several copies of one version, the first stored), and the decision for each.
	expect := func(rd policy.Reader) (map[string][]version, map[string]policy.Decision) {
		marked := markedFor(rd)
		visible := map[string][]version{}
		decs := map[string]policy.Decision{}
		chosen := map[string]version{} // id|ver: the copy the reader gets
		for _, v := range w.versions {
			if dec, ok := decide(rd, marked, v); ok {
				key := v.id + "|" + v.ver
				if c, seen := chosen[key]; !seen || order[v.provider+"|"+key] < order[c.provider+"|"+key] {
					chosen[key] = v
					decs[key] = dec
				}
			}
		}
		seesID := map[string]bool{}
		for key := range chosen {
			seesID[key[:strings.IndexByte(key, '|')]] = true
		}
		for key, v := range chosen {
			if dec := decs[key]; strings.HasPrefix(v.id, "relationship--") && !dec.Own && !dec.AsOperator {
				var rel struct{ SourceRef, TargetRef string }
				json.Unmarshal(v.raw, &struct {
					S *string `json:"source_ref"`
					T *string `json:"target_ref"`
				}{&rel.SourceRef, &rel.TargetRef})
				if !seesID[rel.SourceRef] || !seesID[rel.TargetRef] {
					continue // withheld: an end the reader may not see
				}
			}
			visible[v.id] = append(visible[v.id], v)
		}
		for _, vs := range visible {
			slices.SortFunc(vs, func(a, b version) int { return strings.Compare(a.ver, b.ver) })
		}
		return visible, decs
	}
	pairs, diffs := 0, 0
	report := func(format string, args ...any) {
		diffs++
		if diffs <= 20 {
			t.Errorf(format, args...)
		}
	}
	for _, o := range w.orgs {
		org := byName[o.Name]
		tok := w.tokens[o.Name]
		if org.Status == firebreak.OrgSuspended || org.Status == firebreak.OrgRevoked {
			if code := getStatus(t, srv.URL+"/api/collections/", tok); code != http.StatusForbidden {
				report("%s (%s): collections answered %d, want 403", o.Name, org.Status, code)
			}
			pairs += len(w.versions)
			continue
		}
		rd := policy.Reader{Org: org, Ancestors: ancestors(org), Circles: circlesOf(org), Operator: o.Name == "operator", Peer: peers[o.Name]}
		if rd.Peer != nil {
			// A peer receives the circles its agreement names.
			rd.Circles = slices.Sorted(slices.Values(rd.Peer.Circles))
			rd.Circles = slices.Compact(rd.Circles)
		}
		visible, decs := expect(rd)
		pairs += len(w.versions)
		// Shared, default (last) versions, paged with an odd limit.
		shared := collectionIDOf(t, srv.URL, tok, "shared")
		got := pageAll(t, srv.URL, tok, shared, "objects", 137, "")
		want := map[string]string{}
		for id, vs := range visible {
			want[id] = vs[len(vs)-1].ver
		}
		checkSet(report, o.Name+" shared", got, want)
		// Every visible object comes back as the decision says: selectors removed, the
		// provider's identity replaced when it may not be named.
		for _, raw := range got {
			obj, err := stix.Parse(raw.raw)
			if err != nil {
				report("%s: returned object does not parse: %v", o.Name, err)
				continue
			}
			v := visible[obj.ID][len(visible[obj.ID])-1]
			dec := decs[obj.ID+"|"+v.ver]
			exp := v.raw
			if !dec.Own && !dec.AsOperator {
				exp = stix.Redact(exp, dec.Remove)
				if obj.Type == "marking-definition" {
					exp = audienceModel(t, exp, rd)
				}
				if !dec.NameProvider {
					object := obj.ID
					if dec.Linkable {
						object = ""
					}
					exp, _ = stix.ReplaceMember(exp, "created_by_ref", []byte(strconv.Quote(policy.Pseudonym(hub.Secret, byName[v.provider].ID, org.ID, object))))
				}
				if rd.Peer != nil {
					// What a peer receives carries its provenance: this hub, and the caps
					// of the agreement.
					prov, _ := json.Marshal(policy.Provenance{ExtensionType: "property-extension", Path: []string{hub.UUID},
						MaxTLP: rd.Peer.MaxTLP.String(), Attribution: rd.Peer.Attribution})
					exp = stix.SetExtension(exp, stix.ProvenanceExtensionID, prov)
				}
			}
			if !bytes.Equal(raw.raw, exp) {
				report("%s: %s came back as\n%s\nwant\n%s", o.Name, obj.ID, raw.raw, exp)
			}
		}
		// Manifest: the same versions.
		man := pageAll(t, srv.URL, tok, shared, "manifest", 211, "")
		checkSet(report, o.Name+" manifest", man, want)
		// All versions.
		all := pageAll(t, srv.URL, tok, shared, "objects", 500, "match[version]=all")
		wantAll := 0
		for _, vs := range visible {
			wantAll += len(vs)
		}
		if len(all) != wantAll {
			report("%s: %d versions with match[version]=all, want %d", o.Name, len(all), wantAll)
		}
		// Export: what `firebreak export --org` writes is the guard's view of the
		// organisation itself (no user, so no operator role).
		exp := map[string]string{}
		memberView := rd
		memberView.Operator = false
		memberVisible, _ := expect(memberView)
		for id, vs := range memberVisible {
			exp[id] = vs[len(vs)-1].ver
		}
		pctx, err := guard.PrincipalFor(ctx, o.Name)
		if err != nil {
			t.Fatal(err)
		}
		ectx := firebreak.NewContext(ctx, pctx)
		var exported []gotObject
		f := firebreak.ObjectFilter{Limit: 999}
		for {
			page, err := guard.Objects(ectx, firebreak.AliasShared, f)
			if err != nil {
				t.Fatalf("%s export: %v", o.Name, err)
			}
			for _, ob := range page.Objects {
				exported = append(exported, gotObject{id: ob.ID, ver: ob.Version})
			}
			if !page.More {
				break
			}
			f.After = page.Next
		}
		checkSet(report, o.Name+" export", exported, exp)
		// By id and versions, for a sample of objects (visible and not).
		for k := 0; k < 60; k++ {
			n := w.rng.IntN(nObjects)
			id := fmt.Sprintf("indicator--%08x-1111-4111-8111-000000000000", n)
			code, vers := versionsOf(t, srv.URL, tok, shared, id)
			vs := visible[id]
			if len(vs) == 0 {
				if code != 404 || getStatus(t, srv.URL+"/api/collections/"+shared+"/objects/"+id+"/", tok) != 404 {
					report("%s: hidden %s answered %d on versions (want 404 on versions and by id)", o.Name, id, code)
				}
				continue
			}
			// The versions endpoint lists them by date added: a copy stored later comes
			// later, whatever its version.
			byAdded := slices.Clone(vs)
			slices.SortFunc(byAdded, func(a, b version) int {
				return order[a.provider+"|"+a.id+"|"+a.ver] - order[b.provider+"|"+b.id+"|"+b.ver]
			})
			var wantV []string
			for _, v := range byAdded {
				wantV = append(wantV, v.ver)
			}
			if code != 200 || strings.Join(vers, ",") != strings.Join(wantV, ",") {
				report("%s: %s versions %d %v, want %v", o.Name, id, code, vers, wantV)
			}
		}
	}
	t.Logf("%d (reader, object version) pairs, %d differences", pairs, diffs)
	if pairs < 100000 {
		t.Errorf("only %d pairs; the test promises at least 100,000", pairs)
	}
	if diffs > 0 {
		t.Errorf("%d differences between the read paths and the decision function (seed %d)", diffs, seed)
	}
}

// audienceModel is what a reader receives of a policy marking definition: of its
// audience, only the organisations and circles that name the reader (a peer gets itself
// as its identity id, and circles qualified by this hub's name).
func audienceModel(t *testing.T, raw []byte, rd policy.Reader) []byte {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		t.Fatal(err)
	}
	var exts map[string]json.RawMessage
	json.Unmarshal(top["extensions"], &exts)
	var ext map[string]json.RawMessage
	json.Unmarshal(exts[stix.PolicyExtensionID], &ext)
	if ext == nil || ext["audience"] == nil {
		return raw
	}
	var a struct{ Circles, Organizations []string }
	json.Unmarshal(ext["audience"], &a)
	out := struct {
		Circles       []string `json:"circles"`
		Organizations []string `json:"organizations"`
	}{[]string{}, []string{}}
	for _, o := range a.Organizations {
		if o == rd.Org.Name || o == rd.Org.IdentityID {
			if rd.Peer != nil {
				o = rd.Org.IdentityID
			}
			if !slices.Contains(out.Organizations, o) {
				out.Organizations = append(out.Organizations, o)
			}
		}
	}
	for _, c := range a.Circles {
		if slices.Contains(rd.Circles, c) {
			if rd.Peer != nil {
				c = "diff/" + c
			}
			out.Circles = append(out.Circles, c)
		}
	}
	ext["audience"], _ = json.Marshal(out)
	e, _ := json.Marshal(ext)
	newExts, _ := stix.ReplaceMember(top["extensions"], stix.PolicyExtensionID, e)
	got, _ := stix.ReplaceMember(raw, "extensions", newExts)
	return got
}

type gotObject struct {
	id, ver string
	raw     []byte
}

func checkSet(report func(string, ...any), what string, got []gotObject, want map[string]string) {
	seen := map[string]bool{}
	for _, g := range got {
		if seen[g.id] {
			report("%s: %s returned twice", what, g.id)
		}
		seen[g.id] = true
		w, ok := want[g.id]
		if !ok {
			report("%s: %s returned but the decision hides it", what, g.id)
		} else if w != g.ver {
			report("%s: %s version %s, want %s", what, g.id, g.ver, w)
		}
	}
	for id := range want {
		if !seen[id] {
			report("%s: %s missing though the decision shows it", what, id)
		}
	}
}

func request(t *testing.T, method, u, tok string, body []byte) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, _ := http.NewRequest(method, u, rd)
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != nil {
		req.Header.Set("Content-Type", taxii.MediaType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func getStatus(t *testing.T, u, tok string) int {
	resp, _ := request(t, "GET", u, tok, nil)
	return resp.StatusCode
}

func postEnvelope(t *testing.T, base, tok string, objs []json.RawMessage) taxii.Status {
	t.Helper()
	inbox := collectionIDOf(t, base, tok, "inbox")
	body := []byte(`{"objects":[`)
	for i, o := range objs {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, o...)
	}
	body = append(body, "]}"...)
	resp, b := request(t, "POST", base+"/api/collections/"+inbox+"/objects/", tok, body)
	if resp.StatusCode != 202 {
		t.Fatalf("POST: %d %s", resp.StatusCode, b)
	}
	var st taxii.Status
	json.Unmarshal(b, &st)
	return st
}

func collectionIDOf(t *testing.T, base, tok, alias string) string {
	t.Helper()
	resp, b := request(t, "GET", base+"/api/collections/", tok, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("collections: %d %s", resp.StatusCode, b)
	}
	var cs taxii.Collections
	json.Unmarshal(b, &cs)
	for _, c := range cs.Collections {
		if c.Alias == alias {
			return c.ID
		}
	}
	t.Fatalf("no collection %s", alias)
	return ""
}

// pageAll reads a whole objects or manifest listing with next, checking the date-added
// headers of each page against the page's own records where the manifest gives them.
func pageAll(t *testing.T, base, tok, coll, what string, limit int, extra string) []gotObject {
	t.Helper()
	var out []gotObject
	next := ""
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatalf("paging does not end")
		}
		q := url.Values{}
		q.Set("limit", strconv.Itoa(limit))
		if next != "" {
			q.Set("next", next)
		}
		u := base + "/api/collections/" + coll + "/" + what + "/?" + q.Encode()
		if extra != "" {
			u += "&" + extra
		}
		resp, b := request(t, "GET", u, tok, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", u, resp.StatusCode, b)
		}
		if what == "manifest" {
			var m taxii.Manifest
			json.Unmarshal(b, &m)
			for _, r := range m.Objects {
				out = append(out, gotObject{id: r.ID, ver: r.Version})
			}
			if len(m.Objects) > 0 && (resp.Header.Get(taxii.HeaderDateAddedFirst) != m.Objects[0].DateAdded ||
				resp.Header.Get(taxii.HeaderDateAddedLast) != m.Objects[len(m.Objects)-1].DateAdded) {
				t.Errorf("date-added headers %q..%q do not match the page", resp.Header.Get(taxii.HeaderDateAddedFirst), resp.Header.Get(taxii.HeaderDateAddedLast))
			}
			if len(m.Objects) == 0 && resp.Header.Get(taxii.HeaderDateAddedFirst) != "" {
				t.Errorf("an empty page has date-added headers")
			}
			if !m.More {
				return out
			}
			next = m.Next
			continue
		}
		var env taxii.Envelope
		json.Unmarshal(b, &env)
		for _, raw := range env.Objects {
			var h struct{ ID, Modified, Created string }
			json.Unmarshal(raw, &h)
			if h.Modified == "" {
				h.Modified = h.Created
			}
			out = append(out, gotObject{id: h.ID, ver: h.Modified, raw: raw})
		}
		if !env.More {
			return out
		}
		next = env.Next
	}
}

func versionsOf(t *testing.T, base, tok, coll, id string) (int, []string) {
	resp, b := request(t, "GET", base+"/api/collections/"+coll+"/objects/"+id+"/versions/", tok, nil)
	var v taxii.Versions
	json.Unmarshal(b, &v)
	return resp.StatusCode, v.Versions
}
