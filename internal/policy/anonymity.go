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
	after       firebreak.Cursor
	s           *scrub.Scrubber
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

// anonymousVariant returns what readers who may not learn the provider receive of raw
// (already scrubbed of personal data): the provider's names and domains redacted in free
// text, and external references that point to its domains removed. It returns nil when
// that would change nothing.
func anonymousVariant(raw []byte, org firebreak.Organization) []byte {
	lower := bytes.ToLower(raw)
	found := false
	for _, t := range providerTerms(org) {
		if t != "" && bytes.Contains(lower, []byte(strings.ToLower(t))) {
			found = true
			break
		}
	}
	if !found {
		return nil
	}
	out := raw
	if len(org.Domains) > 0 {
		var refs []struct {
			URL string `json:"url"`
		}
		var head struct {
			Refs json.RawMessage `json:"external_references"`
		}
		if json.Unmarshal(raw, &head) == nil && json.Unmarshal(head.Refs, &refs) == nil {
			var cut []string
			for i, r := range refs {
				if pointsTo(r.URL, org.Domains) {
					cut = append(cut, "external_references.["+strconv.Itoa(i)+"]")
				}
			}
			if len(cut) == len(refs) && len(cut) > 0 {
				cut = []string{"external_references"}
			}
			out = stix.RemoveSelected(out, cut)
		}
	}
	if named, fs, err := scrub.New(providerTerms(org)).Object(out); err == nil && len(fs) > 0 {
		out = named
	}
	if bytes.Equal(out, raw) {
		return nil
	}
	return out
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

// Pseudonym is the identity id that stands for provider in what reader receives: stable
// for one reader, unlinkable across readers (a keyed hash of the hub's secret, the
// provider and the reader).
func Pseudonym(secret []byte, provider, reader int64) string {
	m := hmac.New(sha256.New, secret)
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(provider))
	binary.BigEndian.PutUint64(b[8:], uint64(reader))
	m.Write(b[:])
	sum := m.Sum(nil)
	sum[6] = sum[6]&0x0f | 0x40
	sum[8] = sum[8]&0x3f | 0x80
	h := fmt.Sprintf("%x", sum[:16])
	return "identity--" + h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// anonymise replaces the provider's identity in an object for a reader that may not learn
// it: created_by_ref, and a sighting's where_sighted_refs, name ps instead, the reader's
// pseudonym of the provider as a JSON string (see pseudonyms).
func anonymise(raw, ps []byte) []byte {
	out, _ := stix.ReplaceMember(raw, "created_by_ref", ps)
	if bytes.Contains(out, []byte(`"where_sighted_refs"`)) {
		out, _ = stix.ReplaceMember(out, "where_sighted_refs", []byte("["+string(ps)+"]"))
	}
	return out
}

// pseudonyms gives one reader's pseudonyms of providers as JSON strings, each computed
// once however many of the provider's objects a page holds.
type pseudonyms struct {
	secret []byte
	reader int64
	known  map[int64][]byte
}

func (p *pseudonyms) of(provider int64) []byte {
	ps, ok := p.known[provider]
	if !ok {
		if p.known == nil {
			p.known = map[int64][]byte{}
		}
		ps = []byte(strconv.Quote(Pseudonym(p.secret, provider, p.reader)))
		p.known[provider] = ps
	}
	return ps
}
