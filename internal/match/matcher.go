package match

import (
	"hash/maphash"
	"maps"
	"math"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	firebreak "github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix/pattern"
)

// Indicator is what the matcher needs of a STIX indicator.
type Indicator struct {
	ID      string // the indicator's STIX id; an update with the same id replaces it
	Name    string // reported with each hit
	Pattern string // a STIX pattern; "" removes the indicator
	// ValidFrom and ValidUntil bound when the indicator matches, by the matcher's clock at
	// match time (not by the time of the observed event); zero means unbounded.
	ValidFrom, ValidUntil time.Time
	Revoked               bool  // removes the indicator
	Seq                   int64 // store order: an update older than the one applied is ignored; 0 is always applied
}

// Observable is one value seen in a log: the STIX SCO type ("ipv4-addr"), the property
// path inside it as a pattern spells it after "type:" ("value", "hashes.'SHA-256'",
// "src_ref.value"), the value, and when it was seen.
type Observable struct {
	Type, Path, Value string
	Time              time.Time
}

// Hit is an indicator that matched, and the observable that matched it (for a general
// pattern, the first observable of the event of a type the pattern tests).
type Hit struct {
	IndicatorID, Name string
	Observable        Observable
}

// Matcher matches observables against compiled indicators. Match and MatchEvent may be
// called concurrently with each other and with Update and Remove: they read an immutable
// snapshot that updates replace atomically, so they never wait for a lock.
type Matcher struct {
	cur  atomic.Pointer[snapshot]
	seed maphash.Seed
	now  func() time.Time

	mu    sync.Mutex // serialises updates
	byID  map[string]int32
	tombs map[string]int64 // seq of revoked indicators, so that older versions stay out
	free  []int32
	next  int32
	gen   uint64
}

// snapshot is one immutable state of the compiled indicators.
type snapshot struct {
	fields  map[fieldKey]*field
	builtin [nBuiltin]*field // the fields of builtinFields, found without hashing their names
	tries   [nTries]*trie
	// trigger fields of the general patterns' LIKE suffixes, or nil
	labelSuffix, mailDomain *field
	general                 map[string][]int32 // slots of general patterns without triggers, by object type they test
	generalTypes            []string           // the keys of general
	otherTypes              []string           // the types with fields other than builtinFields
	chunks                  []*chunk
	live                    int
	ngen                    int // general patterns
	ntrig                   int // of which with triggers
}

const (
	chunkBits = 8
	chunkSize = 1 << chunkBits
)

// chunk holds the records of 256 slots; an update copies the chunks it writes.
type chunk struct {
	gen  uint64
	recs [chunkSize]slotRec
}

// slotRec is an indicator in the matcher.
type slotRec struct {
	id, name    string
	pattern     string // kept to find its keys again when it is replaced or removed
	from, until int64  // UnixNano bounds, clamped; 0 is unbounded
	seq         int64
	general     *generalPattern
	live        bool
}

// builtinFields are the properties most observables have.
var builtinFields = [...]fieldKey{
	{"ipv4-addr", "value"}, {"ipv6-addr", "value"}, {"domain-name", "value"}, {"url", "value"},
	{"email-addr", "value"}, {"file", pathMD5}, {"file", pathSHA1}, {"file", pathSHA256},
}

const nBuiltin = len(builtinFields)

func builtinIndex(typ, path string) int {
	switch typ {
	case "ipv4-addr":
		if path == "value" {
			return 0
		}
	case "ipv6-addr":
		if path == "value" {
			return 1
		}
	case "domain-name":
		if path == "value" {
			return 2
		}
	case "url":
		if path == "value" {
			return 3
		}
	case "email-addr":
		if path == "value" {
			return 4
		}
	case "file":
		switch path {
		case pathMD5:
			return 5
		case pathSHA1:
			return 6
		case pathSHA256:
			return 7
		}
	}
	return -1
}

// field returns the exact-value index of a property, or nil.
func (s *snapshot) field(typ, path string) *field {
	if i := builtinIndex(typ, path); i >= 0 {
		return s.builtin[i]
	}
	if canon := canonicalObservablePath(typ, path); canon != "" {
		path = canon // a hash algorithm spelled otherwise
		if i := builtinIndex(typ, path); i >= 0 {
			return s.builtin[i]
		}
	}
	if !slices.Contains(s.otherTypes, typ) {
		return nil
	}
	return s.fields[fieldKey{typ, path}]
}

// NewMatcher returns an empty matcher that uses the system clock.
func NewMatcher() *Matcher {
	m := &Matcher{seed: maphash.MakeSeed(), now: time.Now, byID: make(map[string]int32), tombs: make(map[string]int64)}
	m.cur.Store(&snapshot{fields: map[fieldKey]*field{}, general: map[string][]int32{}})
	return m
}

// SetClock sets the clock that decides whether an indicator is within its validity. It
// must be called before the matcher is shared between goroutines.
func (m *Matcher) SetClock(now func() time.Time) { m.now = now }

// Stats describes the compiled indicators.
type Stats struct {
	Indicators int // live indicators
	General    int // of which left to the general evaluator
	Triggered  int // of which evaluated only when the fast path finds one of their triggers
	ExactKeys  int // distinct (property, value) keys of the fast path
}

// Stats returns figures about the current snapshot.
func (m *Matcher) Stats() Stats {
	s := m.cur.Load()
	st := Stats{Indicators: s.live, General: s.ngen, Triggered: s.ntrig}
	for _, f := range s.fields {
		st.ExactKeys += f.keys
		if f.raw != nil {
			st.ExactKeys += f.raw.keys
		}
	}
	return st
}

func (s *snapshot) rec(ref int32) *slotRec {
	return &s.chunks[ref>>chunkBits].recs[ref&(chunkSize-1)]
}

// clampNano converts a validity bound: zero stays zero (unbounded), other times become
// UnixNano, clamped to the int64 range (valid_until in year 9999 is common).
func clampNano(t time.Time) int64 {
	switch {
	case t.IsZero():
		return 0
	case t.Year() < 1679:
		return math.MinInt64 + 1
	case t.Year() > 2261:
		return math.MaxInt64
	}
	return t.UnixNano()
}

// active reports whether the indicator is valid at now (UnixNano).
func (r *slotRec) active(now int64) bool {
	return r.live && (r.from == 0 || now >= r.from) && (r.until == 0 || now < r.until)
}

// Match appends to hits the fast-path indicators (see the package documentation) that
// the observable matches, each once, and returns the extended slice. Indicators left to
// the general evaluator are matched by MatchEvent only. Match does not allocate unless it
// appends beyond the capacity of hits.
func (m *Matcher) Match(o Observable, hits []Hit) []Hit {
	return m.matchOne(m.cur.Load(), &o, hits, len(hits), new(clock), nil)
}

// clock reads the matcher's clock once per call, and only when a hit needs it.
type clock struct {
	now int64
	set bool
}

func (c *clock) get(m *Matcher) int64 {
	if !c.set {
		c.now, c.set = clampNano(m.now()), true
	}
	return c.now
}

// matchOne appends the fast-path hits of o that are not among hits[start:].
// General patterns whose triggers it finds are appended to cands, when it is not nil.
func (m *Matcher) matchOne(s *snapshot, o *Observable, hits []Hit, start int, clk *clock, cands *[]int32) []Hit {
	hits = m.matchAs(s, o.Type, o.Path, o, hits, start, clk, cands)
	if rt := refValueType(o); rt != "" {
		hits = m.matchAs(s, rt, "value", o, hits, start, clk, cands)
	}
	return hits
}

// refValueType returns, for an observable whose path is a reference then value
// ("dst_ref.value"), the type of the object the observation builder makes for it: the
// evaluator sees that object, so the fast path looks the value up under its type too.
func refValueType(o *Observable) string {
	p := o.Path
	if !strings.HasSuffix(p, "_ref.value") || strings.IndexByte(p, '.') != len(p)-len(".value") || strings.IndexByte(p, '\'') >= 0 {
		return ""
	}
	return valueType(o.Value)
}

// matchAs looks o's value up as the property path of objects of type typ.
func (m *Matcher) matchAs(s *snapshot, typ, path string, o *Observable, hits []Hit, start int, clk *clock, cands *[]int32) []Hit {
	f := s.field(typ, path)
	if path == "value" && (typ == "ipv4-addr" || typ == "ipv6-addr") {
		return m.matchIP(s, typ, f, o, hits, start, clk, cands)
	}
	if f != nil {
		for _, ref := range f.lookup(m.seed, o.Value) {
			hits = m.hit(s, ref, o, hits, start, clk, cands)
		}
	}
	if cands != nil && path == "value" {
		switch {
		case typ == "domain-name" && s.labelSuffix != nil:
			hits = m.matchSuffixes(s, s.labelSuffix, '.', o, hits, start, clk, cands)
		case typ == "email-addr" && s.mailDomain != nil:
			hits = m.matchSuffixes(s, s.mailDomain, '@', o, hits, start, clk, cands)
		}
	}
	return hits
}

// matchSuffixes looks up, in the trigger field f, what follows each sep of the value's
// canonical text (the labels of a domain name, the domain of an e-mail address).
func (m *Matcher) matchSuffixes(s *snapshot, f *field, sep byte, o *Observable, hits []Hit, start int, clk *clock, cands *[]int32) []Hit {
	var buf [256]byte
	v := o.Value
	if len(v) > len(buf) {
		return hits
	}
	b := append(buf[:0], v...)
	if sep == '.' && len(b) > 0 && b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	for i, c := range b {
		if c == sep {
			for _, ref := range lookupBytes(f, m.seed, b[i+1:]) {
				hits = m.hit(s, ref, o, hits, start, clk, cands)
			}
		}
	}
	return hits
}

// matchIP looks an address value up, parsing it once: in the exact-value index of its
// property, and in the ISSUBSET tries of its type and family.
func (m *Matcher) matchIP(s *snapshot, typ string, f *field, o *Observable, hits []Hit, start int, clk *clock, cands *[]int32) []Hit {
	v := o.Value
	a, bits, network, ok := parseIPValue(v)
	if f != nil {
		var refs []int32
		if ok {
			var buf [17]byte
			key := appendAddr(buf[:0], a)
			if network {
				key = append(key, byte(bits))
			}
			refs = lookupBytes(f, m.seed, key)
		} else {
			refs = f.lookupRaw(m.seed, v)
		}
		for _, ref := range refs {
			hits = m.hit(s, ref, o, hits, start, clk, cands)
		}
	}
	if !ok {
		return hits
	}
	t := s.tries[trieIndex(typ, !a.Is4())]
	if t == nil {
		return hits
	}
	if network {
		a = netip.PrefixFrom(a, bits).Masked().Addr()
	}
	b := addrBytes(a)
	var buf [16]int32
	for _, ref := range t.lookup(&b, bits, buf[:0]) {
		hits = m.hit(s, ref, o, hits, start, clk, cands)
	}
	return hits
}

// parseIPValue parses an address or a network (network true; bits is then its length,
// else the address's), without allocating for values that are neither.
func parseIPValue(v string) (a netip.Addr, bits int, network, ok bool) {
	if b, ok := parseIPv4(v); ok {
		return netip.AddrFrom4(b), 32, false, true
	}
	if !plausibleIP(v) {
		return netip.Addr{}, 0, false, false
	}
	if strings.IndexByte(v, '/') >= 0 {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return netip.Addr{}, 0, false, false
		}
		return p.Addr(), p.Bits(), true, true
	}
	a, err := netip.ParseAddr(v)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, 0, false, false
	}
	return a, a.BitLen(), false, true
}

// parseIPv4 parses a dotted-quad address as netip does (no leading zeros).
func parseIPv4(v string) (b [4]byte, ok bool) {
	if len(v) < 7 || len(v) > 15 {
		return b, false
	}
	i, n := 0, 0
	for part := range 4 {
		if part > 0 {
			if i >= len(v) || v[i] != '.' {
				return b, false
			}
			i++
		}
		val, digits := 0, 0
		for i < len(v) && '0' <= v[i] && v[i] <= '9' {
			if digits > 0 && val == 0 {
				return b, false
			}
			val = val*10 + int(v[i]-'0')
			digits++
			i++
			if val > 255 {
				return b, false
			}
		}
		if digits == 0 {
			return b, false
		}
		b[part] = byte(val)
		n++
	}
	return b, i == len(v) && n == 4
}

// hit appends the hit of slot ref unless the indicator is not valid now or is already
// among the hits appended since start. The slot of a general pattern (found by one of its
// triggers) is appended to cands instead, or ignored when cands is nil.
func (m *Matcher) hit(s *snapshot, ref int32, o *Observable, hits []Hit, start int, clk *clock, cands *[]int32) []Hit {
	r := s.rec(ref)
	if r.general != nil {
		if cands != nil {
			*cands = append(*cands, ref)
		}
		return hits
	}
	if (r.from != 0 || r.until != 0 || !r.live) && !r.active(clk.get(m)) {
		return hits
	}
	for i := start; i < len(hits); i++ {
		if hits[i].IndicatorID == r.id {
			return hits
		}
	}
	return append(hits, Hit{IndicatorID: r.id, Name: r.name, Observable: *o})
}

// MatchEvent appends the hits of one event (the observables of one log line), each
// indicator once with the first observable that matched it: the fast-path hits of each
// observable, as Match, and the hits of the indicators left to the general evaluator,
// which sees the event as one observation (count 1, first and last observed at the
// event's time) holding the event's objects (see the package documentation for how
// observables become objects). A general indicator is evaluated only when the fast path
// finds one of its triggers or, when it has none, when the event holds an object of a type
// it tests; MatchEvent allocates only then.
func (m *Matcher) MatchEvent(ev Event, hits []Hit) []Hit {
	s := m.cur.Load()
	clk := new(clock)
	start := len(hits)
	var cands []int32 // allocated only when there is a candidate
	var pc *[]int32
	if s.ngen > 0 {
		pc = &cands
	}
	for i := range ev.Observables {
		o := &ev.Observables[i]
		hits = m.matchAs(s, o.Type, o.Path, o, hits, start, clk, pc)
		if rt := refValueType(o); rt != "" && !(i > 0 && ev.Observables[i-1].Type == rt && ev.Observables[i-1].Value == o.Value) {
			// Readers put the address before its reference: looked up already.
			hits = m.matchAs(s, rt, "value", o, hits, start, clk, pc)
		}
	}
	if s.ngen == 0 || len(ev.Observables) == 0 {
		return hits
	}
	for _, t := range s.generalTypes {
		if eventHasType(ev.Observables, t) {
			cands = append(cands, s.general[t]...)
		}
	}
	if len(cands) == 0 {
		return hits
	}
	if len(cands) > 1 {
		slices.Sort(cands)
		cands = slices.Compact(cands)
	}
	obs := []pattern.Observation{observationOf(&ev)}
	now := clk.get(m)
	for _, ref := range cands {
		r := s.rec(ref)
		if !r.active(now) || !r.general.p.Match(obs) {
			continue
		}
		o := &ev.Observables[0]
		for i := range ev.Observables {
			if slices.Contains(r.general.types, ev.Observables[i].Type) {
				o = &ev.Observables[i]
				break
			}
		}
		hits = append(hits, Hit{IndicatorID: r.id, Name: r.name, Observable: *o})
	}
	return hits
}

// eventHasType reports whether the observation of the event holds an object of type typ:
// an observable's own, or one it refers to.
func eventHasType(obs []Observable, typ string) bool {
	for i := range obs {
		if obs[i].Type == typ {
			return true
		}
	}
	for i := range obs {
		if strings.Contains(obs[i].Path, "_ref") && refTypeOf(&obs[i]) == typ {
			return true
		}
	}
	return false
}

// IndicatorError is an indicator whose pattern does not compile. Its chain holds a
// *firebreak.Error with code EINVALID and a message naming the indicator and the
// position, and the *pattern.SyntaxError.
type IndicatorError struct {
	ID  string
	Err error // the *pattern.SyntaxError
}

// Error returns "indicator ID: invalid pattern: pattern:line:col: message".
func (e *IndicatorError) Error() string {
	return "indicator " + e.ID + ": invalid pattern: " + e.Err.Error()
}

// Unwrap returns the application error and the syntax error.
func (e *IndicatorError) Unwrap() []error {
	return []error{&firebreak.Error{Code: firebreak.EINVALID, Message: e.Error()}, e.Err}
}

// Update adds, replaces (same ID) or removes (Revoked, or an empty Pattern) indicators.
// Only what they change is rebuilt, and the change is published at once. It returns an
// *IndicatorError for each indicator whose pattern does not compile; the others are
// applied all the same, and an indicator replaced by an invalid version is removed.
func (m *Matcher) Update(inds ...Indicator) []error {
	// Compile outside the lock, in parallel for large batches.
	plans := make([]plan, len(inds))
	errs := make([]error, len(inds))
	parallel(len(inds), func(i int) {
		if ind := &inds[i]; !ind.Revoked && ind.Pattern != "" {
			plans[i], errs[i] = compilePattern(ind.Pattern)
		}
	})
	var out []error
	for i, err := range errs {
		if err != nil {
			out = append(out, &IndicatorError{ID: inds[i].ID, Err: err})
		}
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	// The last version of each id in the call wins (the highest Seq, then the latest).
	last := make(map[string]int, len(inds))
	for i := range inds {
		if j, ok := last[inds[i].ID]; !ok || inds[i].Seq >= inds[j].Seq {
			last[inds[i].ID] = i
		}
	}
	b := m.newBatch()
	var gone []int32
	for i := range inds {
		ind := &inds[i]
		if last[ind.ID] != i || m.stale(b.old, ind) {
			continue
		}
		if ref, ok := m.byID[ind.ID]; ok {
			gone = append(gone, ref)
			delete(m.byID, ind.ID)
		}
		delete(m.tombs, ind.ID)
		if ind.Revoked && ind.Seq != 0 {
			m.tombs[ind.ID] = ind.Seq
		}
		if ind.Revoked || ind.Pattern == "" || errs[i] != nil {
			continue
		}
		b.add(m.alloc(), ind, &plans[i])
	}
	m.removeSlots(b, gone)
	m.publish(b, gone)
	return out
}

// stale reports whether ind is older than the version of its id already applied.
func (m *Matcher) stale(s *snapshot, ind *Indicator) bool {
	if ind.Seq == 0 {
		return false
	}
	if ref, ok := m.byID[ind.ID]; ok {
		if seq := s.rec(ref).seq; seq != 0 && ind.Seq < seq {
			return true
		}
	}
	if seq, ok := m.tombs[ind.ID]; ok && ind.Seq < seq {
		return true
	}
	return false
}

// Remove removes the indicators with these ids; unknown ids are ignored.
func (m *Matcher) Remove(ids ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.newBatch()
	var gone []int32
	for _, id := range ids {
		if ref, ok := m.byID[id]; ok {
			gone = append(gone, ref)
			delete(m.byID, id)
		}
	}
	m.removeSlots(b, gone)
	m.publish(b, gone)
}

// RemoveExpired removes the indicators whose ValidUntil has passed by the matcher's
// clock (they no longer match anyway; this frees their memory) and returns how many.
func (m *Matcher) RemoveExpired() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.cur.Load()
	now := clampNano(m.now())
	b := m.newBatch()
	var gone []int32
	for id, ref := range m.byID {
		if r := s.rec(ref); r.until != 0 && now >= r.until {
			gone = append(gone, ref)
			delete(m.byID, id)
		}
	}
	m.removeSlots(b, gone)
	m.publish(b, gone)
	return len(gone)
}

func (m *Matcher) alloc() int32 {
	if n := len(m.free); n > 0 {
		ref := m.free[n-1]
		m.free = m.free[:n-1]
		return ref
	}
	m.next++
	return m.next - 1
}

// batch collects the changes of one update against the snapshot old.
type batch struct {
	gen     uint64
	old     *snapshot
	fields  map[fieldKey]*fieldEdit
	removed map[int32]struct{}
	tries   [nTries]*tnode // the roots, changed by the batch
	genAdd  map[string][]int32
	genDel  map[string]bool
	chunks  []*chunk
	live    int
	ngen    int
	ntrig   int
	m       *Matcher

	ownChunks bool // chunks is a copy of old.chunks
}

func (m *Matcher) newBatch() *batch {
	m.gen++
	old := m.cur.Load()
	b := &batch{gen: m.gen, old: old, fields: map[fieldKey]*fieldEdit{}, removed: map[int32]struct{}{},
		genAdd: map[string][]int32{}, genDel: map[string]bool{}, chunks: old.chunks,
		live: old.live, ngen: old.ngen, ntrig: old.ntrig, m: m}
	for i, t := range old.tries {
		if t != nil {
			b.tries[i] = t.root
		}
	}
	return b
}

// edit returns the pending edit of the table key k goes into: its field's, or for a raw
// key (a value kept as written) the field's raw table.
func (b *batch) edit(k eqKey) *fieldEdit {
	e := b.fields[k.fk]
	if e == nil {
		e = &fieldEdit{norm: k.norm}
		b.fields[k.fk] = e
	}
	if k.raw {
		if e.raw == nil {
			e.raw = &fieldEdit{norm: normExact}
		}
		e = e.raw
	}
	return e
}

// writeRec returns the record of slot ref for writing, copying its chunk once per batch.
func (b *batch) writeRec(ref int32) *slotRec {
	if !b.ownChunks {
		b.chunks = slices.Clone(b.old.chunks)
		b.ownChunks = true
	}
	ci := int(ref >> chunkBits)
	for len(b.chunks) <= ci {
		b.chunks = append(b.chunks, &chunk{gen: b.gen})
	}
	c := b.chunks[ci]
	if c.gen != b.gen {
		nc := *c
		nc.gen = b.gen
		c = &nc
		b.chunks[ci] = c
	}
	return &c.recs[ref&(chunkSize-1)]
}

func (b *batch) add(ref int32, ind *Indicator, pl *plan) {
	b.m.byID[ind.ID] = ref
	*b.writeRec(ref) = slotRec{id: ind.ID, name: ind.Name, pattern: ind.Pattern, from: clampNano(ind.ValidFrom),
		until: clampNano(ind.ValidUntil), seq: ind.Seq, general: pl.general, live: true}
	b.live++
	if pl.general != nil {
		b.ngen++
		if pl.general.trigger == nil {
			for _, t := range pl.general.types {
				b.genAdd[t] = append(b.genAdd[t], ref)
			}
			return
		}
		b.ntrig++
		pl = pl.general.trigger
	}
	for _, k := range pl.eq {
		b.edit(k).add(b.m.seed, k.key, ref)
	}
	for _, c := range pl.cidr {
		b.tries[c.trie] = trieInsert(b.tries[c.trie], b.gen, c.pfx, ref)
	}
}

// removeSlots takes the indicators in slots gone out of the batch: their keys are found
// again by compiling their patterns.
func (m *Matcher) removeSlots(b *batch, gone []int32) {
	if len(gone) == 0 {
		return
	}
	for _, ref := range gone {
		b.removed[ref] = struct{}{}
	}
	plans := make([]plan, len(gone))
	parallel(len(gone), func(i int) {
		r := b.old.rec(gone[i])
		if r.general != nil {
			plans[i] = plan{general: r.general}
			return
		}
		plans[i], _ = compilePattern(r.pattern)
	})
	for i, ref := range gone {
		pl := &plans[i]
		b.live--
		if pl.general != nil {
			b.ngen--
			if pl.general.trigger == nil {
				for _, t := range pl.general.types {
					b.genDel[t] = true
				}
			} else {
				b.ntrig--
				pl = pl.general.trigger
			}
		}
		for _, k := range pl.eq {
			b.edit(k).touch(m.seed, k.key)
		}
		for _, c := range pl.cidr {
			a := addrBytes(c.pfx.Addr())
			b.tries[c.trie] = trieRemove(b.tries[c.trie], b.gen, &a, c.pfx.Bits(), 0, b.removed)
		}
		*b.writeRec(ref) = slotRec{}
	}
}

// publish builds the new snapshot from the batch and makes it current. Slots freed by the
// batch are reused only by later batches.
func (m *Matcher) publish(b *batch, gone []int32) {
	old := b.old
	ns := &snapshot{fields: old.fields, builtin: old.builtin, tries: old.tries, labelSuffix: old.labelSuffix, mailDomain: old.mailDomain,
		general: old.general, generalTypes: old.generalTypes, otherTypes: old.otherTypes, chunks: b.chunks, live: b.live, ngen: b.ngen, ntrig: b.ntrig}
	for i, root := range b.tries {
		if old.tries[i] == nil && root != nil || old.tries[i] != nil && old.tries[i].root != root {
			ns.tries[i] = newTrie(root)
		}
	}
	if len(b.fields) > 0 {
		ns.fields = maps.Clone(old.fields)
		for fk, e := range b.fields {
			if f := e.apply(m.seed, old.fields[fk], b.removed); f != nil {
				ns.fields[fk] = f
			} else {
				delete(ns.fields, fk)
			}
		}
		for i, fk := range builtinFields {
			ns.builtin[i] = ns.fields[fk]
		}
		ns.labelSuffix = ns.fields[fieldKey{"domain-name", pathLabelSuffix}]
		ns.mailDomain = ns.fields[fieldKey{"email-addr", pathMailDomain}]
		ns.otherTypes = nil
		for fk := range ns.fields {
			if builtinIndex(fk.typ, fk.path) < 0 && !slices.Contains(ns.otherTypes, fk.typ) {
				ns.otherTypes = append(ns.otherTypes, fk.typ)
			}
		}
	}
	if len(b.genAdd) > 0 || len(b.genDel) > 0 {
		ns.general = maps.Clone(old.general)
		for t := range b.genDel {
			ns.general[t] = slices.DeleteFunc(slices.Clone(ns.general[t]), func(ref int32) bool {
				_, gone := b.removed[ref]
				return gone
			})
		}
		for t, refs := range b.genAdd {
			if b.genDel[t] {
				ns.general[t] = append(ns.general[t], refs...)
			} else {
				ns.general[t] = append(slices.Clone(ns.general[t]), refs...)
			}
		}
		ns.generalTypes = nil
		for t, refs := range ns.general {
			if len(refs) == 0 {
				delete(ns.general, t)
			} else {
				ns.generalTypes = append(ns.generalTypes, t)
			}
		}
		slices.Sort(ns.generalTypes)
	}
	m.cur.Store(ns)
	m.free = append(m.free, gone...)
}

// parallel calls fn(i) for i in [0, n), on every core for large n, and returns when all
// calls have returned.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/256+1)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	const step = 64
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(step)) - step
				if i >= n {
					return
				}
				for j := i; j < min(i+step, n); j++ {
					fn(j)
				}
			}
		})
	}
	wg.Wait()
}
