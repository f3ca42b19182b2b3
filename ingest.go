package firebreak

import (
	"slices"
	"time"
)

// AddedLayout is how a version without a timestamp of its own (neither modified nor
// created: SCOs, marking definitions) shows its date added as its version: always six
// fractional digits, so that such versions sort as text in time order.
const AddedLayout = "2006-01-02T15:04:05.000000Z"

// CheckIngestItems refuses (EINVALID) a batch in which an item lacks its id, its type or
// the object itself: a store takes the batch whole or not at all.
func CheckIngestItems(items []IngestItem) error {
	for i, it := range items {
		if it.ID == "" || it.Type == "" || len(it.Raw) == 0 {
			return Errorf(EINVALID, "item %d: id, type and the object itself are required", i+1)
		}
	}
	return nil
}

// IngestPlan is what one Ingest call does with each item, decided the same way on every
// store from the versions it already holds of the items' ids.
type IngestPlan struct {
	// Results holds one result per item. Outcome is set for every item; Object only for
	// duplicates of versions held before, until Place fills in the rest.
	Results []IngestResult
	// Fresh lists the items to store, in order.
	Fresh []int
	// twin says, for each item of Fresh (by its position there), whether another provider
	// holds a copy of that version (same id and version key); others lists the seqs of
	// those other copies. See Marks.
	twin   []bool
	others []int64
	// dups pairs an item that repeats an earlier one of the call with that one.
	dups [][2]int
	// provider and held are PlanIngest's, kept for Withdrawals.
	provider int64
	held     map[string]map[string][]Object
}

// Marks returns, once Place has run, the seqs of the versions the store marks as twins:
// those this call stores of which another provider holds a copy, and those other copies
// (a version may later move past its copies: see Release). Reads choose one copy per
// version, among those a reader may see, only where a version is marked. It is empty
// unless some item is a copy of another provider's version.
func (p *IngestPlan) Marks() []int64 {
	if len(p.others) == 0 {
		return nil
	}
	marks := slices.Clone(p.others)
	for k, i := range p.Fresh {
		if p.twin[k] {
			marks = append(marks, p.Results[i].Object.Seq)
		}
	}
	return marks
}

// PlanIngest decides each item's outcome for provider. held is every version stored of
// the items' ids, whoever provided it, by id and version key (several providers may hold
// copies of one version), read while no other call can store versions of them. An item
// is Duplicate when provider holds its id and version key, or when it came earlier in the
// same call, else Stored: another provider's copies of the id change nothing in the
// outcome (a submitter must not learn that anyone else holds the id), only the twin marks.
func PlanIngest(provider int64, items []IngestItem, held map[string]map[string][]Object) *IngestPlan {
	p := &IngestPlan{Results: make([]IngestResult, len(items)), provider: provider, held: held}
	first := map[string]map[string]int{} // id, version key: the item of this call that stores it
	marked := map[int64]bool{}
	for i, it := range items {
		copies := held[it.ID][it.VersionKey]
		own := slices.IndexFunc(copies, func(o Object) bool { return o.Provider == provider })
		if own >= 0 {
			p.Results[i] = IngestResult{Outcome: Duplicate, Object: copies[own]}
			continue
		}
		if j, ok := first[it.ID][it.VersionKey]; ok {
			p.Results[i].Outcome = Duplicate
			p.dups = append(p.dups, [2]int{i, j})
			continue
		}
		if first[it.ID] == nil {
			first[it.ID] = map[string]int{}
		}
		first[it.ID][it.VersionKey] = i
		p.Results[i].Outcome = Stored
		p.Fresh = append(p.Fresh, i)
		p.twin = append(p.twin, len(copies) > 0)
		for _, o := range copies {
			if !marked[o.Seq] {
				marked[o.Seq] = true
				p.others = append(p.others, o.Seq)
			}
		}
	}
	return p
}

// Place gives the items to store their positions, from seq first on, one date added
// (whole microseconds) and the ids of their policies (by policy document), with their
// expiries as stores keep them (ExpiryMicros). Duplicates within the call then report
// the version of the item they repeat.
func (p *IngestPlan) Place(provider int64, items []IngestItem, first int64, added time.Time, policies map[string]int64) {
	for k, i := range p.Fresh {
		it := items[i]
		version := it.Version
		if version == "" {
			version = added.Format(AddedLayout)
		}
		p.Results[i].Object = Object{
			Seq: first + int64(k), Added: added, ID: it.ID, Type: it.Type, SpecVersion: it.SpecVersion,
			Version: version, Provider: provider, Expires: ExpiryFromMicros(ExpiryMicros(it.Expires)), Policy: policies[string(it.PolicyDoc)],
		}
	}
	for _, d := range p.dups {
		p.Results[d[0]].Object = p.Results[d[1]].Object
	}
}

// Withdrawals returns, once Place has run, the withdrawals the call records (see
// WithdrawalStore): one for each id of which it stores a version that becomes the latest
// of provider's copy (the highest version key among provider's versions, as
// match[version]=last decides it within one copy) under another policy than the latest
// before the call. A first version withdraws nothing, nor does a version older than the
// latest, nor several new versions whose last keeps the policy of the latest before.
// Seq is left to the store; Added is the call's date added. The latest before is found
// in the held versions PlanIngest was given, so it costs no query.
func (p *IngestPlan) Withdrawals(items []IngestItem) []Withdrawal {
	// The latest version of each copy provider held before the call, by id: only these
	// ids can withdraw anything, so a call of fresh ids allocates nothing here.
	type latest struct {
		key    string
		policy int64
		newest int // the item of Fresh with the highest version key, -1 for none yet
	}
	var before map[string]*latest
	for id, byKey := range p.held {
		for vkey, copies := range byKey {
			for _, o := range copies {
				if o.Provider != p.provider {
					continue
				}
				if before == nil {
					before = map[string]*latest{}
				}
				if l := before[id]; l == nil {
					before[id] = &latest{key: vkey, policy: o.Policy, newest: -1}
				} else if vkey > l.key {
					l.key, l.policy = vkey, o.Policy
				}
			}
		}
	}
	if before == nil {
		return nil
	}
	var order []string
	for _, i := range p.Fresh {
		l := before[items[i].ID]
		if l == nil {
			continue
		}
		if l.newest < 0 {
			order = append(order, items[i].ID)
		}
		if l.newest < 0 || items[i].VersionKey > items[l.newest].VersionKey {
			l.newest = i
		}
	}
	var out []Withdrawal
	for _, id := range order {
		l := before[id]
		if items[l.newest].VersionKey <= l.key {
			continue // no version newer than the latest held
		}
		if o := p.Results[l.newest].Object; o.Policy != l.policy {
			out = append(out, Withdrawal{Added: o.Added, Provider: p.provider, ID: id, Policies: []int64{l.policy}})
		}
	}
	return out
}
