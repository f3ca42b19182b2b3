package policy

import (
	"encoding/json"
	"slices"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

// Provenance is what a hub adds to every object it sends a peer (the property extension
// stix.ProvenanceExtensionID): the hubs it crossed, by UUID, origin first, and the
// strictest caps of the agreements along the way. The receiving hub refuses an object
// whose path names it (nothing returns to a hub it came from, so a loop cannot bring back
// what the origin deleted), and holds every later hop to the caps (the origin's agreement
// limits bind beyond the first link).
type Provenance struct {
	ExtensionType string   `json:"extension_type"`
	Path          []string `json:"path"`
	MaxTLP        string   `json:"max_tlp"`
	Attribution   bool     `json:"attribution"`
}

// provenanceOf reads an object's provenance; ok is false when it has none, or one that
// does not parse (which then counts as none: the caps it would carry are not trusted to
// widen anything, and a missing one only leaves the receiving hub's own rules).
func provenanceOf(exts map[string]json.RawMessage) (Provenance, firebreak.TLP, bool) {
	raw, ok := exts[stix.ProvenanceExtensionID]
	if !ok {
		return Provenance{}, 0, false
	}
	var p Provenance
	if json.Unmarshal(raw, &p) != nil {
		return Provenance{}, 0, false
	}
	t, ok := firebreak.ParseTLP(p.MaxTLP)
	if !ok {
		t = firebreak.TLPClear // a cap it cannot read allows the least
	}
	return p, t, true
}

// stampProvenance returns raw as this hub sends it to peer: with the path extended by
// this hub and the caps narrowed by the peer's agreement.
func stampProvenance(raw []byte, hub firebreak.Hub, peer *firebreak.Peer) []byte {
	var head struct {
		Extensions map[string]json.RawMessage `json:"extensions"`
	}
	_ = json.Unmarshal(raw, &head)
	p, maxTLP, ok := provenanceOf(head.Extensions)
	if !ok {
		p, maxTLP = Provenance{Attribution: true}, firebreak.TLPRed
	}
	p.ExtensionType = "property-extension"
	if !slices.Contains(p.Path, hub.UUID) {
		p.Path = append(slices.Clone(p.Path), hub.UUID)
	}
	maxTLP = min(maxTLP, peer.MaxTLP)
	p.MaxTLP = maxTLP.String()
	p.Attribution = p.Attribution && peer.Attribution
	b, err := json.Marshal(p)
	if err != nil {
		return raw
	}
	return stix.SetExtension(raw, stix.ProvenanceExtensionID, b)
}
