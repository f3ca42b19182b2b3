package policy

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/scrub"
	"github.com/firebreak/firebreak/internal/stix"
)

// scrubbers keeps the personal-data scrubber, rebuilt when the names of people the hub
// knows change: contacts (the directory) and identity objects of class individual (read
// incrementally from the store, so that other nodes' submissions count too).
type scrubbers struct {
	// mu is held across a refresh and the read of its result: concurrent submissions
	// would otherwise read the same new names and grow one shared list at once.
	mu          sync.Mutex
	epoch       int64
	contacts    []string
	individuals []string
	// byProvider holds the individuals' names by the provider that stored them.
	byProvider map[int64][]string
	after      firebreak.Cursor
	s          *scrub.Scrubber
}

// scrubber returns the scrubber for the names the hub knows now.
func (g *Guard) scrubber(ctx context.Context, d *directory) (*scrub.Scrubber, error) {
	sc := &g.scrub
	sc.mu.Lock()
	defer sc.mu.Unlock()
	rebuild := false
	if sc.s == nil || sc.epoch != d.epoch {
		names, err := g.store.ContactNames(ctx)
		if err != nil {
			return nil, err
		}
		sc.contacts, sc.epoch, rebuild = names, d.epoch, true
	}
	err := g.follow(ctx, "identity", firebreak.VersionFilter{All: true}, &sc.after, func(objs []firebreak.Object) {
		for _, o := range objs {
			var id struct {
				Name          string `json:"name"`
				IdentityClass string `json:"identity_class"`
			}
			if json.Unmarshal(o.Raw, &id) == nil && id.IdentityClass == "individual" && strings.TrimSpace(id.Name) != "" {
				sc.individuals = append(sc.individuals, id.Name)
				if sc.byProvider == nil {
					sc.byProvider = map[int64][]string{}
				}
				sc.byProvider[o.Provider] = append(sc.byProvider[o.Provider], id.Name)
				rebuild = true
			}
		}
	})
	if err != nil {
		sc.s = nil // the contacts may have changed: rebuild on the next call
		return nil, err
	}
	if rebuild || sc.s == nil {
		sc.s = scrub.New(append(slices.Clone(sc.contacts), sc.individuals...))
	}
	return sc.s, nil
}

// ownNames builds, when a submission needs it, the scrubber of the names its submitter
// knows itself: its own contacts and the individuals it stored. The scrubber that
// redacts what others receive knows every name the hub knows; the submitter's report
// must not, or it would tell the submitter that a name it wrote is one of another
// member's contacts or of an identity it may not see.
type ownNames struct {
	g        *Guard
	provider int64
	s        *scrub.Scrubber
}

// reportable returns the findings of fs that the submitter's own view explains: every
// finding that is not a known name, and the names it knows itself.
func (n *ownNames) reportable(ctx context.Context, raw []byte, fs []scrub.Finding) ([]scrub.Finding, error) {
	if !slices.ContainsFunc(fs, func(f scrub.Finding) bool { return f.Kind == scrub.KindName }) {
		return fs, nil
	}
	if n.s == nil {
		cs, err := n.g.store.Contacts(ctx, n.provider)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, c := range cs {
			names = append(names, c.Name)
		}
		n.g.scrub.mu.Lock()
		names = append(names, n.g.scrub.byProvider[n.provider]...)
		n.g.scrub.mu.Unlock()
		n.s = scrub.New(names)
	}
	out := slices.DeleteFunc(slices.Clone(fs), func(f scrub.Finding) bool { return f.Kind == scrub.KindName })
	_, mine, err := n.s.ValidObject(raw)
	if err != nil {
		return out, nil
	}
	for _, f := range mine {
		if f.Kind == scrub.KindName {
			out = append(out, f)
		}
	}
	return out, nil
}

// scrubReport describes what was redacted, for the provider's submission status.
func scrubReport(fs []scrub.Finding) string {
	if len(fs) == 0 {
		return ""
	}
	counts := map[scrub.Kind]int{}
	for _, f := range fs {
		counts[f.Kind]++
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d %s", counts[scrub.Kind(k)], k)
	}
	return "personal data redacted for other readers: " + strings.Join(parts, ", ")
}

// providerTerms are the strings that name a provider: its name and its domains.
func providerTerms(org firebreak.Organization) []string {
	terms := []string{org.Name}
	return append(terms, org.Domains...)
}

// providerRef stands, in the anonymous variant the store keeps, for every reference to
// the provider's own identities; each read puts the reader's pseudonym in its place. It
// is not a valid identity id, so no submitted object can carry it.
const providerRef = `"identity--firebreak-provider"`

// anonymousVariant returns what readers who may not learn the provider receive of raw
// (already scrubbed of personal data): every reference to one of the provider's
// identities (ids, at any depth, in any _ref or _refs) replaced by providerRef, the
// provider's names and domains redacted in free text, and external references that point
// to its domains removed. It returns nil when only created_by_ref and a sighting's
// where_sighted_refs would change, which the read path replaces without a variant.
//
// terms is the provider's (scrub.NewTerms of providerTerms), made once per submission.
func anonymousVariant(raw []byte, org firebreak.Organization, identities map[string]bool, terms *scrub.Terms) []byte {
	// Every reference to the provider becomes the placeholder, so that a read needs one
	// replacement only; other tells whether any besides created_by_ref and
	// where_sighted_refs did, which the read path could not replace without a variant.
	out, other := raw, false
	if namesAny(raw, identities) {
		out = stix.EditRefs(raw, func(key, id string) stix.RefEdit {
			if !identities[id] && key != "where_sighted_refs" {
				return stix.RefEdit{}
			}
			if key != "created_by_ref" && key != "where_sighted_refs" {
				other = true
			}
			return stix.RefEdit{With: []byte(providerRef)}
		})
	}
	// The provider's names and domains, in every string that is not a pattern, an
	// observable value, an id, a reference or a timestamp, however they are written;
	// where they are found, external references to its domains go too.
	if !terms.MayMatch(out) {
		return variantOf(out, other)
	}
	named, fs, err := terms.Object(out)
	if err != nil || len(fs) == 0 {
		return variantOf(out, other)
	}
	if len(org.Domains) > 0 {
		var refs []struct {
			URL string `json:"url"`
		}
		var head struct {
			Refs json.RawMessage `json:"external_references"`
		}
		if json.Unmarshal(out, &head) == nil && json.Unmarshal(head.Refs, &refs) == nil {
			var cut []string
			for i, r := range refs {
				if pointsTo(r.URL, org.Domains) {
					cut = append(cut, "external_references.["+strconv.Itoa(i)+"]")
				}
			}
			if len(cut) == len(refs) && len(cut) > 0 {
				cut = []string{"external_references"}
			}
			named = stix.RemoveSelected(named, cut)
		}
	}
	return named
}

// variantOf is the anonymous variant when no name of the provider was found: the
// references replaced, when some besides the creator and the sighters were; else none.
func variantOf(out []byte, other bool) []byte {
	if !other {
		return nil
	}
	return out
}

// refKeys tells which reference keys raw has: created_by_ref, where_sighted_refs, or
// another but the marking references.
func refKeys(raw []byte) (creator, sighter, other bool) {
	stix.RefKeys(raw, func(key []byte) bool {
		switch string(key) {
		case "created_by_ref":
			creator = true
		case "where_sighted_refs":
			sighter = true
		case "object_marking_refs", "marking_ref":
		default:
			other = true
		}
		return true
	})
	return creator, sighter, other
}

// namesAny reports whether raw holds one of the ids, a quick test before a walk of its
// references.
func namesAny(raw []byte, ids map[string]bool) bool {
	for id := range ids {
		if id != "" && bytes.Contains(raw, []byte(id)) {
			return true
		}
	}
	return false
}

// pointsTo reports whether u is on one of domains (or a subdomain).
func pointsTo(u string, domains []string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	host := strings.TrimSuffix(strings.ToLower(p.Hostname()), ".")
	for _, d := range domains {
		d = strings.ToLower(d)
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// isProviderIdentity reports whether an identity object describes its provider: the
// provider's hub identity id, its name, or an organisation identity that the provider's
// objects in the same submission name as their creator. Readers who may not learn the
// provider never receive it.
func isProviderIdentity(o *stix.Object, org firebreak.Organization, creators map[string]bool) bool {
	if o.Type != "identity" {
		return false
	}
	if o.ID == org.IdentityID || creators[o.ID] {
		return true
	}
	var id struct {
		Name string `json:"name"`
	}
	return json.Unmarshal(o.Raw, &id) == nil && strings.EqualFold(strings.TrimSpace(id.Name), org.Name)
}

// Pseudonym is the identity id that stands for provider in what reader receives of the
// object with id object: a keyed hash of the hub's secret, the provider, the reader and
// the object, so that two anonymous objects of one provider cannot be linked to each
// other, nor one reader's copy to another's. Learning the provider of one object (a
// grant, an introduction, an attributed version) names that object only. With object
// "" (attribution "pseudonymous") it is one pseudonym per provider and reader: the
// reader can link the provider's objects without learning who it is.
func Pseudonym(secret []byte, provider, reader int64, object string) string {
	return pseudonymOf(pseudonymKey(secret, provider, reader), object)
}

// pseudonymKey is the part of a pseudonym that one page of one reader shares.
func pseudonymKey(secret []byte, provider, reader int64) [32]byte {
	m := hmac.New(sha256.New, secret)
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(provider))
	binary.BigEndian.PutUint64(b[8:], uint64(reader))
	m.Write(b[:])
	var k [32]byte
	m.Sum(k[:0])
	return k
}

func pseudonymOf(key [32]byte, object string) string {
	sum := key[:]
	if object != "" {
		h := sha256.New()
		h.Write(key[:])
		h.Write([]byte(object))
		sum = h.Sum(nil)
	}
	var u [16]byte
	copy(u[:], sum)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := fmt.Sprintf("%x", u)
	return "identity--" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// anonymise replaces the provider's identity in an object for a reader that may not learn
// it with ps, the pseudonym as a JSON string: every reference the anonymous variant marked
// with providerRef, or, in an object without a variant, created_by_ref and a sighting's
// where_sighted_refs.
//
// ps is called only when the object names someone: most objects name nobody, and the
// pseudonym of each is a hash to compute.
func anonymise(raw []byte, ps func() []byte) []byte {
	creator, sighter, other := refKeys(raw)
	if !creator && !sighter && !other {
		return raw // names nobody: most objects, told in one pass
	}
	if bytes.Contains(raw, []byte(providerRef)) {
		return bytes.ReplaceAll(raw, []byte(providerRef), ps())
	}
	if !creator && !sighter {
		return raw
	}
	p := ps()
	out := raw
	if creator {
		out, _ = stix.ReplaceMember(out, "created_by_ref", p)
	}
	if sighter {
		out, _ = stix.ReplaceMember(out, "where_sighted_refs", []byte("["+string(p)+"]"))
	}
	return out
}

// pseudonyms gives one reader's pseudonyms of providers as JSON strings, the key of each
// provider computed once however many of its objects a page holds.
type pseudonyms struct {
	secret []byte
	reader int64
	keys   map[int64][32]byte
}

func (p *pseudonyms) of(provider int64, object string, linkable bool) []byte {
	k, ok := p.keys[provider]
	if !ok {
		if p.keys == nil {
			p.keys = map[int64][32]byte{}
		}
		k = pseudonymKey(p.secret, provider, p.reader)
		p.keys[provider] = k
	}
	if linkable {
		object = ""
	}
	return []byte(strconv.Quote(pseudonymOf(k, object)))
}

// audienceFor returns a policy marking definition as reader r may receive it: the caveats
// that bind it, and of the audience only the organisations and circles that name the
// reader. A peer hub receives the audience that names it as its identity id, never as a
// name: names are local to a hub, and the peer resolving one to an organisation of its
// own that happens to bear it would hand the object to someone the provider never
// meant. Definitions without the policy extension are returned as they are.
func audienceFor(raw []byte, r Reader, hub firebreak.Hub) []byte {
	var head struct {
		Extensions map[string]json.RawMessage `json:"extensions"`
	}
	if json.Unmarshal(raw, &head) != nil {
		return raw
	}
	ext, ok := head.Extensions[stix.PolicyExtensionID]
	if !ok {
		return raw
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(ext, &m) != nil {
		return raw
	}
	aud, ok := m["audience"]
	if !ok {
		return raw
	}
	var a struct {
		Circles       []string `json:"circles"`
		Organizations []string `json:"organizations"`
	}
	if json.Unmarshal(aud, &a) != nil {
		return raw
	}
	out := struct {
		Circles       []string `json:"circles"`
		Organizations []string `json:"organizations"`
	}{Circles: []string{}, Organizations: []string{}}
	for _, o := range a.Organizations {
		if o == r.Org.Name || r.Org.IdentityID != "" && o == r.Org.IdentityID {
			name := o
			if r.Peer != nil {
				name = r.Org.IdentityID
			}
			if !slices.Contains(out.Organizations, name) {
				out.Organizations = append(out.Organizations, name)
			}
		}
	}
	for _, c := range a.Circles {
		if _, ok := slices.BinarySearch(r.Circles, c); ok {
			if r.Peer != nil {
				c = hub.Name + "/" + c // the circle of this hub, which the peer cannot mistake for one of its own
			}
			out.Circles = append(out.Circles, c)
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return raw
	}
	m["audience"] = b
	newExt, err := json.Marshal(m)
	if err != nil {
		return raw
	}
	exts, ok := lookupMember(raw, "extensions")
	if !ok {
		return raw
	}
	newExts, ok := stix.ReplaceMember(exts, stix.PolicyExtensionID, newExt)
	if !ok {
		return raw
	}
	res, _ := stix.ReplaceMember(raw, "extensions", newExts)
	return res
}

// lookupMember returns the raw value of raw's top-level member key.
func lookupMember(raw []byte, key string) ([]byte, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil, false
	}
	v, ok := m[key]
	return v, ok
}
