package stix

import firebreak "github.com/firebreak/firebreak"

// The TLP 2.0 marking definitions (oasis-open/cti-stix-common-objects), which carry their
// level in the TLP 2.0 extension.
const (
	TLPClearID       = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
	TLPGreenID       = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	TLPAmberID       = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	TLPAmberStrictID = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	TLPRedID         = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
)

// The TLP 1.0 marking definitions of STIX 2.1 section 7.2.1.4 (definition_type "tlp").
const (
	TLP1WhiteID = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
	TLP1GreenID = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
	TLP1AmberID = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
	TLP1RedID   = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
)

// TLP2ExtensionID is the extension-definition of the TLP 2.0 marking definitions.
const TLP2ExtensionID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

// PolicyExtensionID is the extension-definition of the Firebreak policy marking (audience,
// attribution, caveats, further sharing, expiry).
const PolicyExtensionID = "extension-definition--723fa991-e9e7-47f2-b99b-6d757f767704"

// ProvenanceExtensionID is the extension-definition of Firebreak's provenance: the hubs an
// object crossed (path, by hub UUID, origin first) and the strictest caps the agreements
// along that path put on it (max_tlp, attribution). A hub adds it to what it sends a peer.
const ProvenanceExtensionID = "extension-definition--27f09bf4-567f-46be-b37d-f1824980fd8c"

// tlp2Levels maps the TLP 2.0 marking definitions to their tlp_2_0 values.
var tlp2Levels = map[string]string{
	TLPClearID: "clear", TLPGreenID: "green", TLPAmberID: "amber",
	TLPAmberStrictID: "amber+strict", TLPRedID: "red",
}

// tlp1Levels maps the TLP 1.0 marking definitions to their definition.tlp values.
var tlp1Levels = map[string]string{
	TLP1WhiteID: "white", TLP1GreenID: "green", TLP1AmberID: "amber", TLP1RedID: "red",
}

// TLPOf returns the TLP level a standard marking definition id stands for: the five TLP
// 2.0 ids, and the four TLP 1.0 ids (WHITE maps to Clear). It returns false for any other
// id, including marking definitions that merely call themselves TLP.
func TLPOf(markingRef string) (firebreak.TLP, bool) {
	switch markingRef {
	case TLPClearID, TLP1WhiteID:
		return firebreak.TLPClear, true
	case TLPGreenID, TLP1GreenID:
		return firebreak.TLPGreen, true
	case TLPAmberID, TLP1AmberID:
		return firebreak.TLPAmber, true
	case TLPAmberStrictID:
		return firebreak.TLPAmberStrict, true
	case TLPRedID, TLP1RedID:
		return firebreak.TLPRed, true
	}
	return 0, false
}
