package storetest

import (
	"slices"
	"sort"
	"time"

	"github.com/firebreak/firebreak"
)

// model is a plain, obviously-right rendering of the object contract: the suite checks
// stores against it over many combinations of filters.
type model struct {
	versions []modelVersion // in the order stored
}

type modelVersion struct {
	obj  firebreak.Object
	vkey string
}

// add records what an Ingest call stored.
func (m *model) add(items []firebreak.IngestItem, res []firebreak.IngestResult) {
	for i, r := range res {
		if r.Outcome != firebreak.Stored {
			continue
		}
		o := r.Object
		o.Raw = items[i].Raw
		o.Expires = storedExpiry(items[i].Expires)
		m.versions = append(m.versions, modelVersion{obj: o, vkey: items[i].VersionKey})
	}
}

// key is the version key a match[version]=<timestamp> compares with: the stored key, or
// for a version without a timestamp, the key of its date added (which is its version).
func (v modelVersion) key() string {
	if v.vkey != "" {
		return v.vkey
	}
	return v.obj.Added.UTC().Format("2006-01-02T15:04:05.000000000Z")
}

func (m *model) visible(o firebreak.Object, vis firebreak.Visibility) bool {
	// A grant admits the grantor's copy of an object, whatever its policy and expiry.
	granted := slices.Contains(vis.Granted, firebreak.Copy{Provider: o.Provider, ID: o.ID})
	if !vis.All && slices.Contains(vis.Policies, o.Policy) == vis.Except && !granted {
		return false
	}
	if expired(o, vis) && !granted {
		return false
	}
	return vis.Provider == 0 || o.Provider == vis.Provider
}

// expired reports whether vis hides o for its expiry: Now is set, o has an expiry at or
// before it, and o is not the Owner's.
func expired(o firebreak.Object, vis firebreak.Visibility) bool {
	if vis.Now.IsZero() || o.Expires.IsZero() || (vis.Owner != 0 && o.Provider == vis.Owner) {
		return false
	}
	return !o.Expires.After(vis.Now)
}

// storedExpiry is what a store gives back for an IngestItem's Expires: the same instant
// in UTC, to the microsecond (the precision of dates added), zero for none. The suite
// uses whole microseconds, so a store may keep more precision.
func storedExpiry(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.Truncate(time.Microsecond).UTC()
}

func inList(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }

// query returns every version matching vis and f (ignoring f.Limit), in order.
func (m *model) query(vis firebreak.Visibility, f firebreak.ObjectFilter) []firebreak.Object {
	var cand []modelVersion
	for _, v := range m.versions {
		if m.visible(v.obj, vis) && inList(f.SpecVersions, v.obj.SpecVersion) &&
			inList(f.IDs, v.obj.ID) && inList(f.Types, v.obj.Type) {
			cand = append(cand, v)
		}
	}
	// Of the copies of one version (one id and version key, several providers) that the
	// reader may see, it gets the one stored first; with EveryCopy, all of them.
	var one []modelVersion
	for _, v := range cand {
		if f.EveryCopy || !slices.ContainsFunc(cand, func(w modelVersion) bool {
			return w.obj.ID == v.obj.ID && w.vkey == v.vkey && w.obj.Seq < v.obj.Seq
		}) {
			one = append(one, v)
		}
	}
	vf := f.Versions
	if vf.IsZero() {
		vf.Last = true
	}
	var out []firebreak.Object
	for _, v := range one {
		first, last := true, true
		for _, w := range cand {
			if w.obj.ID != v.obj.ID || f.EveryCopy && w.obj.Provider != v.obj.Provider {
				continue // with EveryCopy, each provider's copy is an object of its own
			}
			if w.vkey < v.vkey {
				first = false
			}
			if w.vkey > v.vkey {
				last = false
			}
		}
		if !(vf.All || vf.First && first || vf.Last && last || slices.Contains(vf.At, v.key())) {
			continue
		}
		if !f.AddedAfter.IsZero() && !v.obj.Added.After(f.AddedAfter) {
			continue
		}
		if !after(firebreak.CursorOf(v.obj), f.After) {
			continue
		}
		o := v.obj
		if f.MetadataOnly {
			o.Raw = nil
		}
		out = append(out, o)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return after(firebreak.CursorOf(out[j]), firebreak.CursorOf(out[i]))
	})
	return out
}
