package match

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strings"
)

// The exact-value index of one property is split into shards by the top bits of the
// key's hash. Shards are immutable once published: an update rebuilds only the shards it
// touches (about a thousandth of the index each) and publishes a new shard array, so
// readers never wait and an update costs what it changes, not the size of the index.
const (
	shardBits = 10
	nShards   = 1 << shardBits
)

// table is one shard: an open-addressing hash table over keys kept in one string, with
// no pointers per entry so that a million keys cost the garbage collector nothing.
//
// In front of it, a blocked Bloom filter of about 10 bits a key (1.25 MB for a million
// keys, so it stays in the processor's cache) answers most lookups of values that are
// not there, which are nearly all of them, without touching the table.
type table struct {
	bloom []uint64 // three bits per key, in one word chosen by the hash
	slots []uint64 // 0 is empty; else the hash's top 32 bits << 32 | (entry index + 1)
	ents  []tentry
	keys  string  // every key, one after the other
	refs  []int32 // the indicator slots of each key, one run per entry
}

// bloomWord and bloomMask give the filter word and bits of a hash. The table's slot
// index uses the low bits of the hash and the shard its top bits; the word uses the
// bits in between.
func bloomWord(h uint64, words int) uint64 { return (h >> 20) & uint64(words-1) }
func bloomMask(h uint64) uint64 {
	return 1<<(h&63) | 1<<((h>>6)&63) | 1<<((h>>12)&63)
}

type tentry struct{ off, klen, rs, rn uint32 }

// kv is one key of one indicator, as the table builder takes them.
type kv struct {
	key string
	ref int32
}

// find returns the slots of key (whose hash is h), or nil.
func find[K string | []byte](t *table, h uint64, key K) []int32 {
	if m := bloomMask(h); t.bloom[bloomWord(h, len(t.bloom))]&m != m {
		return nil
	}
	mask := uint64(len(t.slots) - 1)
	tag := h >> 32
	for i := h & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return nil
		}
		if s>>32 == tag {
			e := &t.ents[uint32(s)-1]
			if string(key) == t.keys[e.off:e.off+e.klen] {
				return t.refs[e.rs : e.rs+e.rn : e.rs+e.rn]
			}
		}
	}
}

// field is the exact-value index of one property.
type field struct {
	norm normKind
	tabs [nShards]*table
	raw  *field // normIP: values that are not addresses, compared as written
	keys int    // distinct keys, for Stats
}

func shardOf(h uint64) int { return int(h >> (64 - shardBits)) }

func lookupString(f *field, seed maphash.Seed, key string) []int32 {
	h := maphash.String(seed, key)
	t := f.tabs[shardOf(h)]
	if t == nil {
		return nil
	}
	return find(t, h, key)
}

func lookupBytes(f *field, seed maphash.Seed, key []byte) []int32 {
	h := maphash.Bytes(seed, key)
	t := f.tabs[shardOf(h)]
	if t == nil {
		return nil
	}
	return find(t, h, key)
}

// lookup returns the slots of the indicators that compiled an equality with the
// observed value v.
func (f *field) lookup(seed maphash.Seed, v string) []int32 {
	switch f.norm {
	case normIP:
		var buf [17]byte
		if key, ok := appendIPKey(buf[:0], v); ok {
			return lookupBytes(f, seed, key)
		}
		return f.lookupRaw(seed, v)
	case normDomain, normEmail, normHash:
		if needsFold(f.norm, v) {
			return f.lookupFolded(seed, v)
		}
	}
	return lookupString(f, seed, v)
}

// lookupRaw looks up an IP value that is not an address, as written.
func (f *field) lookupRaw(seed maphash.Seed, v string) []int32 {
	if f.raw == nil {
		return nil
	}
	return lookupString(f.raw, seed, v)
}

// lookupFolded is the slow path of lookup for a value that must be case-folded first:
// short values are folded on the stack.
func (f *field) lookupFolded(seed maphash.Seed, v string) []int32 {
	if f.norm == normHash && !isHex(v) {
		return lookupString(f, seed, v) // hashes fold only when they are hex
	}
	var buf [256]byte
	if len(v) > len(buf) {
		return lookupString(f, seed, canonicalText(f.norm, v))
	}
	b := buf[:len(v)]
	copy(b, v)
	if f.norm == normDomain && len(b) > 0 && b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return lookupBytes(f, seed, b)
}

// buildTable builds a shard from the keys of its indicators; it returns nil when there
// are none. kvs is sorted in place.
func buildTable(seed maphash.Seed, kvs []kv) *table {
	if len(kvs) == 0 {
		return nil
	}
	slices.SortFunc(kvs, func(a, b kv) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.ref, b.ref)
	})
	n, size := 0, 0
	for i := range kvs {
		if i == 0 || kvs[i].key != kvs[i-1].key {
			n++
			size += len(kvs[i].key)
		}
	}
	nslots := 8
	for nslots < 2*n {
		nslots <<= 1
	}
	words := 1
	for words*64 < 10*n {
		words <<= 1
	}
	t := &table{bloom: make([]uint64, words), slots: make([]uint64, nslots), ents: make([]tentry, 0, n), refs: make([]int32, 0, len(kvs))}
	var keys strings.Builder
	keys.Grow(size)
	mask := uint64(nslots - 1)
	for i := 0; i < len(kvs); {
		j := i
		e := tentry{off: uint32(keys.Len()), klen: uint32(len(kvs[i].key)), rs: uint32(len(t.refs))}
		for ; j < len(kvs) && kvs[j].key == kvs[i].key; j++ {
			if j == i || kvs[j].ref != kvs[j-1].ref {
				t.refs = append(t.refs, kvs[j].ref)
			}
		}
		e.rn = uint32(len(t.refs)) - e.rs
		keys.WriteString(kvs[i].key)
		t.ents = append(t.ents, e)
		h := maphash.String(seed, kvs[i].key)
		t.bloom[bloomWord(h, words)] |= bloomMask(h)
		k := h & mask
		for t.slots[k] != 0 {
			k = (k + 1) & mask
		}
		t.slots[k] = h>>32<<32 | uint64(len(t.ents))
		i = j
	}
	t.keys = keys.String()
	return t
}

// appendLive appends the keys of t to kvs, without the slots in removed.
func (t *table) appendLive(kvs []kv, removed map[int32]struct{}) []kv {
	if t == nil {
		return kvs
	}
	for _, e := range t.ents {
		key := t.keys[e.off : e.off+e.klen]
		for _, r := range t.refs[e.rs : e.rs+e.rn] {
			if _, gone := removed[r]; !gone {
				kvs = append(kvs, kv{key, r})
			}
		}
	}
	return kvs
}

// fieldEdit collects the changes an update makes to one field.
type fieldEdit struct {
	norm  normKind
	adds  [nShards][]kv
	dirty [nShards]bool
	raw   *fieldEdit
}

func (e *fieldEdit) add(seed maphash.Seed, key string, ref int32) {
	s := shardOf(maphash.String(seed, key))
	e.adds[s] = append(e.adds[s], kv{key, ref})
	e.dirty[s] = true
}

func (e *fieldEdit) touch(seed maphash.Seed, key string) {
	e.dirty[shardOf(maphash.String(seed, key))] = true
}

// apply returns the field old with the edit applied, sharing the shards it does not
// touch, or nil when the field ends up empty.
func (e *fieldEdit) apply(seed maphash.Seed, old *field, removed map[int32]struct{}) *field {
	nf := &field{norm: e.norm}
	if old != nil {
		*nf = *old
	}
	var scratch []kv
	for s := range nShards {
		if !e.dirty[s] {
			continue
		}
		scratch = nf.tabs[s].appendLive(scratch[:0], removed)
		scratch = append(scratch, e.adds[s]...)
		if old := nf.tabs[s]; old != nil {
			nf.keys -= len(old.ents)
		}
		nf.tabs[s] = buildTable(seed, scratch)
		if t := nf.tabs[s]; t != nil {
			nf.keys += len(t.ents)
		}
		e.adds[s] = nil
	}
	if e.raw != nil {
		var oldRaw *field
		if old != nil {
			oldRaw = old.raw
		}
		nf.raw = e.raw.apply(seed, oldRaw, removed)
	}
	if nf.keys == 0 && nf.raw == nil {
		return nil
	}
	return nf
}
