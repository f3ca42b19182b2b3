package policy

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/match"
)

// indicators keeps one compiled matcher of every indicator the hub holds (the latest
// version of each), following the store: versions added since the last look are read by
// position, so new, revised and revoked indicators change what matches without a
// rebuild, on every node. It only finds candidates: each hit is confirmed per request
// against the version the caller may see, by the same visibility as every read, so a
// hidden indicator, or a hidden version of one, is a plain no-match.
type indicators struct {
	mu    sync.Mutex // serialises refreshes; matching never waits for it
	m     *match.Matcher
	after firebreak.Cursor
}

// MatchHit is one observable that matched an indicator the caller may see.
type MatchHit struct {
	Indicator  string   `json:"indicator"`
	Name       string   `json:"name,omitempty"`
	Observable Observed `json:"observable"`
}

// Observed is the observable of a hit: a STIX type, the property path and the value.
type Observed struct {
	Type  string `json:"type"`
	Path  string `json:"path"`
	Value string `json:"value"`
}

func (g *Guard) refreshIndicators(ctx context.Context) (*match.Matcher, error) {
	ix := &g.ind
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.m == nil {
		ix.m = match.NewMatcher()
		ix.m.SetClock(g.opts.Clock.Now)
	}
	err := g.follow(ctx, "indicator", firebreak.VersionFilter{}, &ix.after, func(objs []firebreak.Object) {
		inds := make([]match.Indicator, 0, len(objs))
		for _, o := range objs {
			if ind, ok := match.IndicatorFromSTIX(o.Raw, o.Seq); ok {
				// Each provider's copy of an indicator is a candidate of its own: a
				// caller may see one copy and not another.
				ind.ID = strconv.FormatInt(o.Provider, 10) + " " + ind.ID
				inds = append(inds, ind)
			}
		}
		if len(inds) > 0 {
			ix.m.Update(inds...) // patterns were checked at ingest; a failure only leaves one out
		}
	})
	if err != nil {
		return nil, err
	}
	return ix.m, nil
}

// MaxMatchObservables caps one match request.
const MaxMatchObservables = 100000

// Match matches observables against the indicators the caller may see. Hits on
// indicators it may not see are dropped before anything is counted or returned.
func (g *Guard) Match(ctx context.Context, obs []match.Observable) ([]MatchHit, error) {
	ctx = readingOnce(ctx)
	if _, _, err := g.caller(ctx); err != nil {
		return nil, err
	}
	if len(obs) > MaxMatchObservables {
		return nil, firebreak.Errorf(firebreak.EINVALID, "at most %d observables per request", MaxMatchObservables)
	}
	m, err := g.refreshIndicators(ctx)
	if err != nil {
		return nil, err
	}
	// The hub-wide matcher holds the latest version of each indicator, which the caller
	// may not be allowed to see (a provider may share an older version more widely than
	// the latest). It only finds candidates: the observables that hit are matched again
	// against the versions the caller may see, as it may see them now, so that a hit
	// never comes from a pattern or a name the caller could not read.
	var hits []match.Hit
	var cands []match.Observable
	for _, o := range obs {
		n := len(hits)
		if hits = m.Match(o, hits); len(hits) > n {
			cands = append(cands, o)
		}
	}
	if len(hits) == 0 {
		return []MatchHit{}, nil
	}
	var ids []string
	for _, h := range hits {
		_, id, _ := strings.Cut(h.IndicatorID, " ") // the candidate's key: provider, then id
		ids = append(ids, id)
	}
	ids = sortedSet(ids)
	visible := match.NewMatcher()
	visible.SetClock(g.opts.Clock.Now)
	for len(ids) > 0 {
		n := min(len(ids), 500)
		page, err := g.Objects(ctx, firebreak.AliasShared, firebreak.ObjectFilter{IDs: ids[:n], Types: []string{"indicator"}, Limit: n})
		if err != nil {
			return nil, err
		}
		inds := make([]match.Indicator, 0, len(page.Objects))
		for _, o := range page.Objects {
			if ind, ok := match.IndicatorFromSTIX(o.Raw, o.Seq); ok {
				inds = append(inds, ind)
			}
		}
		visible.Update(inds...)
		ids = ids[n:]
	}
	hits = hits[:0]
	for _, o := range cands {
		hits = visible.Match(o, hits)
	}
	out := make([]MatchHit, 0, len(hits))
	for _, h := range hits {
		o := h.Observable
		out = append(out, MatchHit{Indicator: h.IndicatorID, Name: h.Name, Observable: Observed{Type: o.Type, Path: o.Path, Value: o.Value}})
	}
	return out, nil
}

// HashedSet is the indicators a caller may see, as keyed hashes of the values they match:
// a member can look for them in its logs without holding their values. Only indicators
// made of exact values (see match.ExactValues) can be held this way.
type HashedSet struct {
	Format  string     `json:"format"`
	Created time.Time  `json:"created"`
	Key     []byte     `json:"key"` // HMAC-SHA-256 key, made for this export
	Entries []SetEntry `json:"entries"`
	Skipped int        `json:"skipped"` // visible indicators that are not exact values
}

// SetEntry is one value of one indicator: the first 16 bytes of HMAC(key, value), hex.
type SetEntry struct {
	Hash      string `json:"hash"`
	Indicator string `json:"indicator"`
	Name      string `json:"name,omitempty"`
}

// SetFormat names the hashed-set format.
const SetFormat = "firebreak-set-v1"

// SetHash is the hash of one value under a set's key.
func SetHash(key []byte, v match.ExactValue) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(v.Key()))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

// MatchSet exports the indicators the caller may see as a hashed set.
func (g *Guard) MatchSet(ctx context.Context) (HashedSet, error) {
	ctx = readingOnce(ctx)
	if _, _, err := g.caller(ctx); err != nil {
		return HashedSet{}, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return HashedSet{}, err
	}
	set := HashedSet{Format: SetFormat, Created: g.opts.Clock.Now().UTC(), Key: key, Entries: []SetEntry{}}
	f := firebreak.ObjectFilter{Types: []string{"indicator"}, Limit: 1000}
	for {
		page, err := g.Objects(ctx, firebreak.AliasShared, f)
		if err != nil {
			return HashedSet{}, err
		}
		for _, o := range page.Objects {
			var v struct {
				Name        string `json:"name"`
				Pattern     string `json:"pattern"`
				PatternType string `json:"pattern_type"`
				Revoked     bool   `json:"revoked"`
			}
			if json.Unmarshal(o.Raw, &v) != nil || v.Revoked {
				continue
			}
			vals, ok := match.ExactValues(v.Pattern)
			if v.PatternType != "stix" || !ok {
				set.Skipped++
				continue
			}
			for _, ev := range vals {
				set.Entries = append(set.Entries, SetEntry{Hash: SetHash(key, ev), Indicator: o.ID, Name: v.Name})
			}
		}
		if !page.More {
			return set, nil
		}
		f.After = page.Next
	}
}
