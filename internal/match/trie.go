package match

import (
	"net/netip"
	"slices"
)

// The networks of ISSUBSET comparisons live in a persistent multibit trie: each node
// consumes four bits of the address, so an IPv4 address is looked up in at most 9 node
// visits and an IPv6 address in at most 33, whatever the number of networks, and every
// network containing it is found on the way down. A network of length L sits in the node
// at depth L/4, with the L%4 bits that remain. Updates copy the nodes on the path they
// change (nodes already copied by the same update are changed in place), so published
// tries are never modified.
type tnode struct {
	gen   uint64 // the update that created the node; only that update may modify it
	child [16]*tnode
	pfx   []tpfx
}

// tpfx is a network ending in a node: its remaining bits (ext, 0 to 3) and their value
// (the top ext bits of the next nibble), and the slot of its indicator.
type tpfx struct {
	ext, nib uint8
	ref      int32
}

// The tries, by the compiled path's object type and the network's family: an
// ipv4-addr:value ISSUBSET with an IPv6 network is legal and matches IPv6 values.
const (
	trieV4of4 = iota // ipv4-addr:value, IPv4 networks
	trieV6of4        // ipv4-addr:value, IPv6 networks
	trieV4of6        // ipv6-addr:value, IPv4 networks
	trieV6of6        // ipv6-addr:value, IPv6 networks
	nTries
)

func trieIndex(typ string, is6 bool) int {
	i := trieV4of4
	if typ == "ipv6-addr" {
		i = trieV4of6
	}
	if is6 {
		i++
	}
	return i
}

// addrBytes returns the address as 16 bytes: IPv4 in the first four.
func addrBytes(a netip.Addr) (b [16]byte) {
	if a.Is4() {
		v := a.As4()
		copy(b[:], v[:])
		return b
	}
	return a.As16()
}

func nibble(a *[16]byte, d int) uint8 {
	if d&1 == 0 {
		return a[d>>1] >> 4
	}
	return a[d>>1] & 0xf
}

func (n *tnode) own(gen uint64) *tnode {
	switch {
	case n == nil:
		return &tnode{gen: gen}
	case n.gen == gen:
		return n
	}
	c := *n
	c.gen = gen
	c.pfx = slices.Clone(n.pfx)
	return &c
}

// trieInsert returns root with the network added for ref.
func trieInsert(root *tnode, gen uint64, p netip.Prefix, ref int32) *tnode {
	a := addrBytes(p.Addr())
	bits := p.Bits()
	root = root.own(gen)
	n := root
	d := 0
	for ; 4*(d+1) <= bits; d++ {
		nib := nibble(&a, d)
		c := n.child[nib].own(gen)
		n.child[nib] = c
		n = c
	}
	ext := uint8(bits - 4*d)
	var nib uint8
	if ext > 0 {
		nib = nibble(&a, d) >> (4 - ext)
	}
	n.pfx = append(n.pfx, tpfx{ext: ext, nib: nib, ref: ref})
	return root
}

// trieRemove returns n with the entries of the network p whose slot is in removed taken
// out, and empty nodes pruned.
func trieRemove(n *tnode, gen uint64, a *[16]byte, bits, d int, removed map[int32]struct{}) *tnode {
	if n == nil {
		return nil
	}
	n = n.own(gen)
	if 4*(d+1) <= bits {
		nib := nibble(a, d)
		n.child[nib] = trieRemove(n.child[nib], gen, a, bits, d+1, removed)
	} else {
		n.pfx = slices.DeleteFunc(n.pfx, func(p tpfx) bool {
			_, gone := removed[p.ref]
			return gone
		})
	}
	if len(n.pfx) > 0 {
		return n
	}
	for _, c := range n.child {
		if c != nil {
			return n
		}
	}
	return nil
}

// trieLookup appends to refs the slot of every network in the trie that contains the
// network (a, bits): of length at most bits, equal to a on its length.
func trieLookup(n *tnode, a *[16]byte, bits int, refs []int32) []int32 {
	for d := 0; n != nil; d++ {
		if len(n.pfx) > 0 {
			var next uint8
			if 4*d < bits {
				next = nibble(a, d)
			}
			for _, p := range n.pfx {
				if 4*d+int(p.ext) <= bits && (p.ext == 0 || next>>(4-p.ext) == p.nib) {
					refs = append(refs, p.ref)
				}
			}
		}
		if 4*(d+1) > bits {
			return refs
		}
		n = n.child[nibble(a, d)]
	}
	return refs
}

// trie is a published trie with a summary of its first 20 address bits: a bitmap of
// the 2^20 buckets of that many bits that some network reaches (it is at most 20 bits
// long and covers the bucket, or it is longer and starts with it). An address in an
// unmarked bucket is in no network; for networks spread over the address space, as
// indicators are, that is most addresses, and the bitmap (128 KiB, within the
// processor's second-level cache) answers them without walking the trie.
type trie struct {
	root    *tnode
	buckets []uint64
}

const (
	bucketBits  = 20
	bucketDepth = bucketBits / 4
)

func newTrie(root *tnode) *trie {
	if root == nil {
		return nil
	}
	t := &trie{root: root, buckets: make([]uint64, 1<<bucketBits/64)}
	t.mark(root, 0, 0)
	return t
}

func (t *trie) mark(n *tnode, d int, prefix uint32) {
	if n == nil {
		return
	}
	if d == bucketDepth {
		t.buckets[prefix>>6] |= 1 << (prefix & 63)
		return
	}
	for _, p := range n.pfx {
		l := 4*d + int(p.ext)
		first := prefix<<p.ext | uint32(p.nib)
		lo, hi := first<<(bucketBits-l), (first+1)<<(bucketBits-l)
		for b := lo; b < hi; {
			if b&63 == 0 && hi-b >= 64 {
				t.buckets[b>>6] = ^uint64(0)
				b += 64
				continue
			}
			t.buckets[b>>6] |= 1 << (b & 63)
			b++
		}
	}
	for i, c := range n.child {
		t.mark(c, d+1, prefix<<4|uint32(i))
	}
}

// lookup appends to refs the slots of the networks containing (a, bits).
func (t *trie) lookup(a *[16]byte, bits int, refs []int32) []int32 {
	b := uint32(a[0])<<12 | uint32(a[1])<<4 | uint32(a[2])>>4
	if t.buckets[b>>6]&(1<<(b&63)) == 0 {
		return refs
	}
	return trieLookup(t.root, a, bits, refs)
}
