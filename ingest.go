package firebreak

import "time"

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
	// duplicates of versions held before, and for foreign items (their id alone), until
	// Place fills in the rest.
	Results []IngestResult
	// Fresh lists the items to store, in order.
	Fresh []int
	// dups pairs an item that repeats an earlier one of the call with that one.
	dups [][2]int
}

// PlanIngest decides each item's outcome for provider. held is every version stored of
// the items' ids, by id and version key, read while no other call can store versions of
// them. An item is Foreign when its id's versions came from another provider (and its
// result says nothing about them), Duplicate when its id and version key are held or
// came earlier in the same call, else Stored.
func PlanIngest(provider int64, items []IngestItem, held map[string]map[string]Object) *IngestPlan {
	p := &IngestPlan{Results: make([]IngestResult, len(items))}
	first := map[string]map[string]int{} // id, version key: the item of this call that stores it
	for i, it := range items {
		versions := held[it.ID]
		owner := int64(0)
		for _, v := range versions {
			owner = v.Provider // every version of an id has one provider
			break
		}
		if owner != 0 && owner != provider {
			p.Results[i] = IngestResult{Outcome: Foreign, Object: Object{ID: it.ID}}
			continue
		}
		if v, ok := versions[it.VersionKey]; ok {
			p.Results[i] = IngestResult{Outcome: Duplicate, Object: v}
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
