package stix

import (
	"fmt"
	"slices"
	"strings"
)

// This file describes every STIX 2.1 object type: its kind, its specific properties and
// their value types, what is required, and the rules that tie properties together. The
// tables are built once and never modified.

// valueKind is the type of a property's value.
type valueKind uint8

const (
	kString      valueKind = iota + 1
	kBool                  // true or false
	kInt                   // an integer, in [min, max] when ranged
	kFloat                 // a number, in [min, max] when ranged
	kTimestamp             // an RFC 3339 UTC timestamp
	kStrings               // a non-empty list of strings
	kRef                   // an identifier the refRule allows
	kRefs                  // a non-empty list of such identifiers
	kDict                  // a non-empty dictionary (section 2.3)
	kHashes                // a hashes dictionary (section 2.7)
	kHex                   // hex (section 2.8)
	kBinary                // base64 (section 2.1)
	kEnum                  // a string from enum
	kEnums                 // a non-empty list of strings from enum
	kKillChain             // a non-empty list of kill-chain-phase
	kObject                // an embedded object described by shape
	kObjects               // a non-empty list of embedded objects described by shape
	kObservables           // the deprecated observable container of observed-data
	kAny                   // any value but null; a rule checks it
)

// prop describes one property.
type prop struct {
	kind     valueKind
	required bool
	refs     refRule
	ranged   bool
	min, max float64
	enum     []string
	shape    *shape
}

// rule checks a constraint between the properties f of the object (or embedded object at
// path). Rules run after every property has been checked on its own.
type rule func(v *validator, path string, f fields) *Error

// shape describes an object or embedded object.
type shape struct {
	props    map[string]prop
	required []string // in declaration order, so errors are deterministic
	rules    []rule
}

// typeSpec describes a top-level object type.
type typeSpec struct {
	kind Kind
	shape
	// notApplicable lists common properties the type must not carry.
	notApplicable map[string]bool
}

// refRule restricts what an identifier may point at.
type refRule struct {
	types   []string // allowed types, when set
	kinds   []Kind   // allowed kinds of known types, when set; custom types pass
	exclude []string // types never allowed
	what    string   // for messages: "an identity"
}

func (r refRule) allows(typ string) bool {
	if typ == "bundle" || slices.Contains(r.exclude, typ) {
		return false
	}
	if len(r.types) > 0 {
		return slices.Contains(r.types, typ)
	}
	if len(r.kinds) > 0 {
		k, known := kindOf[typ]
		// A custom or extension type's kind cannot be known from its name alone.
		return !known || slices.Contains(r.kinds, k)
	}
	return true
}

func refTo(types ...string) refRule {
	what := strings.Join(types, " or ")
	if len(types) > 2 {
		what = strings.Join(types[:len(types)-1], ", ") + " or " + types[len(types)-1]
	}
	article := "a "
	if strings.ContainsAny(what[:1], "aeio") {
		article = "an "
	}
	return refRule{types: types, what: article + what}
}

var (
	refIdentity = refTo("identity")
	refMarking  = refTo("marking-definition")
	refAny      = refRule{what: "a STIX object"}
	refSDO      = refRule{kinds: []Kind{KindSDO}, what: "an SDO"}
	refSCO      = refRule{kinds: []Kind{KindSCO}, what: "an SCO"}
	refSCOorSRO = refRule{kinds: []Kind{KindSCO, KindSRO}, what: "an SCO or SRO"}
	// Relationships connect SDOs and SCOs (section 5.1).
	refRelated = refRule{kinds: []Kind{KindSDO, KindSCO}, what: "an SDO or SCO"}
)

// kindOf is the kind of every type this specification defines.
var kindOf = map[string]Kind{
	"attack-pattern": KindSDO, "campaign": KindSDO, "course-of-action": KindSDO, "grouping": KindSDO,
	"identity": KindSDO, "incident": KindSDO, "indicator": KindSDO, "infrastructure": KindSDO,
	"intrusion-set": KindSDO, "location": KindSDO, "malware": KindSDO, "malware-analysis": KindSDO,
	"note": KindSDO, "observed-data": KindSDO, "opinion": KindSDO, "report": KindSDO,
	"threat-actor": KindSDO, "tool": KindSDO, "vulnerability": KindSDO,
	"relationship": KindSRO, "sighting": KindSRO,
	"artifact": KindSCO, "autonomous-system": KindSCO, "directory": KindSCO, "domain-name": KindSCO,
	"email-addr": KindSCO, "email-message": KindSCO, "file": KindSCO, "ipv4-addr": KindSCO,
	"ipv6-addr": KindSCO, "mac-addr": KindSCO, "mutex": KindSCO, "network-traffic": KindSCO,
	"process": KindSCO, "software": KindSCO, "url": KindSCO, "user-account": KindSCO,
	"windows-registry-key": KindSCO, "x509-certificate": KindSCO,
	"marking-definition": KindMeta, "language-content": KindMeta, "extension-definition": KindMeta,
}

// Property constructors, to keep the tables below readable.
var (
	pString    = prop{kind: kString}
	pBool      = prop{kind: kBool}
	pInt       = prop{kind: kInt}
	pUint      = prop{kind: kInt, ranged: true, min: 0, max: 1<<53 - 1}
	pTimestamp = prop{kind: kTimestamp}
	pStrings   = prop{kind: kStrings}
	pDict      = prop{kind: kDict}
	pHashes    = prop{kind: kHashes}
	pHex       = prop{kind: kHex}
	pBinary    = prop{kind: kBinary}
	pKillChain = prop{kind: kKillChain}
	pAny       = prop{kind: kAny}
)

func required(p prop) prop         { p.required = true; return p }
func pRef(r refRule) prop          { return prop{kind: kRef, refs: r} }
func pRefs(r refRule) prop         { return prop{kind: kRefs, refs: r} }
func pEnum(values ...string) prop  { return prop{kind: kEnum, enum: values} }
func pEnums(values ...string) prop { return prop{kind: kEnums, enum: values} }
func pObject(s *shape) prop        { return prop{kind: kObject, shape: s} }
func pObjects(s *shape) prop       { return prop{kind: kObjects, shape: s} }
func pRange(min, max float64) prop { return prop{kind: kInt, ranged: true, min: min, max: max} }
func pFloatRange(min, max float64) prop {
	return prop{kind: kFloat, ranged: true, min: min, max: max}
}

// def pairs a property name with its description.
type def struct {
	name string
	p    prop
}

func newShape(rules []rule, defs ...def) *shape {
	s := &shape{props: make(map[string]prop, len(defs)), rules: rules}
	for _, d := range defs {
		s.props[d.name] = d.p
		if d.p.required {
			s.required = append(s.required, d.name)
		}
	}
	return s
}

func rules(r ...rule) []rule { return r }

// Rules.

func has(f fields, name string) bool { return f.has(name) }

func listNames(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// atLeastOne requires one of names.
func atLeastOne(names ...string) rule {
	return func(v *validator, path string, f fields) *Error {
		for _, n := range names {
			if has(f, n) {
				return nil
			}
		}
		return v.at(path, "", "at least one of "+listNames(names)+" is required")
	}
}

// exactlyOne requires one of a and b, not both.
func exactlyOne(a, b string) rule {
	return func(v *validator, path string, f fields) *Error {
		switch ha, hb := has(f, a), has(f, b); {
		case ha && hb:
			return v.at(path, b, "must not be present together with "+a)
		case !ha && !hb:
			return v.at(path, "", "one of "+a+" or "+b+" is required")
		}
		return nil
	}
}

// needs requires b whenever a is present.
func needs(a, b string) rule {
	return func(v *validator, path string, f fields) *Error {
		if has(f, a) && !has(f, b) {
			return v.at(path, b, "is required when "+a+" is present")
		}
		return nil
	}
}

// inOrder requires the timestamp last not to be earlier than first (strictly later when
// strict), when both are present.
func inOrder(first, last string, strict bool) rule {
	return func(v *validator, path string, f fields) *Error {
		a, okA := stringValue(f.get(first))
		b, okB := stringValue(f.get(last))
		if !okA || !okB {
			return nil
		}
		c := compareTimestamps(b, a)
		switch {
		case strict && c <= 0:
			return v.at(path, last, fmt.Sprintf("%q must be later than %s %q", b, first, a))
		case c < 0:
			return v.at(path, last, fmt.Sprintf("%q must not be earlier than %s %q", b, first, a))
		}
		return nil
	}
}

// format checks the value of a string property with ok, unless the object says it is
// defanged (then the value is deliberately not in its natural form).
func format(name, what string, ok func(string) bool) rule {
	return func(v *validator, path string, f fields) *Error {
		if d := f.get("defanged"); d != nil && d[0] == 't' {
			return nil
		}
		if s, isStr := str(f.get(name)); isStr && !ok(s) {
			return v.at(path, name, fmt.Sprintf("%q is not %s", clip(s), what))
		}
		return nil
	}
}

// Shared property sets.

var killChain = def{"kill_chain_phases", pKillChain}

func sdo(rs []rule, defs ...def) *typeSpec {
	return withCommon(KindSDO, newShape(rs, defs...), []string{"created", "modified"}, "defanged")
}

func sro(rs []rule, defs ...def) *typeSpec {
	return withCommon(KindSRO, newShape(rs, defs...), []string{"created", "modified"}, "defanged")
}

func sco(rs []rule, defs ...def) *typeSpec {
	return withCommon(KindSCO, newShape(rs, defs...), nil)
}

func withCommon(k Kind, s *shape, req []string, na ...string) *typeSpec {
	t := &typeSpec{kind: k, shape: *s, notApplicable: map[string]bool{}}
	t.required = append(slices.Clone(req), t.required...)
	for _, n := range na {
		t.notApplicable[n] = true
	}
	return t
}

// customSpecs describe custom objects (x-...) and objects of types defined by an
// extension-definition, by kind: only the common properties are known.
var customSpecs = map[Kind]*typeSpec{
	KindSDO: sdo(nil),
	KindSRO: sro(nil),
	KindSCO: sco(nil),
}

// typeSpecs describes every object type of STIX 2.1.
var typeSpecs = map[string]*typeSpec{
	// STIX Domain Objects (section 4).
	"attack-pattern": sdo(nil,
		def{"name", required(pString)}, def{"description", pString}, def{"aliases", pStrings}, killChain),
	"campaign": sdo(rules(inOrder("first_seen", "last_seen", false)),
		def{"name", required(pString)}, def{"description", pString}, def{"aliases", pStrings},
		def{"first_seen", pTimestamp}, def{"last_seen", pTimestamp}, def{"objective", pString}),
	"course-of-action": sdo(nil,
		def{"name", required(pString)}, def{"description", pString}),
	"grouping": sdo(nil,
		def{"name", pString}, def{"description", pString}, def{"context", required(pString)},
		def{"object_refs", required(pRefs(refAny))}),
	"identity": sdo(nil,
		def{"name", required(pString)}, def{"description", pString}, def{"roles", pStrings},
		def{"identity_class", pString}, def{"sectors", pStrings}, def{"contact_information", pString}),
	"incident": sdo(nil,
		def{"name", required(pString)}, def{"description", pString}, killChain),
	"indicator": sdo(rules(inOrder("valid_from", "valid_until", true), indicatorRule),
		def{"name", pString}, def{"description", pString}, def{"indicator_types", pStrings},
		def{"pattern", required(pString)}, def{"pattern_type", required(pString)},
		def{"pattern_version", pString}, def{"valid_from", required(pTimestamp)},
		def{"valid_until", pTimestamp}, killChain),
	"infrastructure": sdo(rules(inOrder("first_seen", "last_seen", false)),
		def{"name", required(pString)}, def{"description", pString}, def{"infrastructure_types", pStrings},
		def{"aliases", pStrings}, killChain, def{"first_seen", pTimestamp}, def{"last_seen", pTimestamp}),
	"intrusion-set": sdo(rules(inOrder("first_seen", "last_seen", false)),
		def{"name", required(pString)}, def{"description", pString}, def{"aliases", pStrings},
		def{"first_seen", pTimestamp}, def{"last_seen", pTimestamp}, def{"goals", pStrings},
		def{"resource_level", pString}, def{"primary_motivation", pString},
		def{"secondary_motivations", pStrings}),
	"location": sdo(rules(locationRule, needs("latitude", "longitude"), needs("longitude", "latitude"),
		needs("precision", "latitude")),
		def{"name", pString}, def{"description", pString},
		def{"latitude", pFloatRange(-90, 90)}, def{"longitude", pFloatRange(-180, 180)},
		def{"precision", pFloatRange(0, 1e300)}, def{"region", pString}, def{"country", pString},
		def{"administrative_area", pString}, def{"city", pString}, def{"street_address", pString},
		def{"postal_code", pString}),
	"malware": sdo(rules(inOrder("first_seen", "last_seen", false), malwareRule),
		def{"name", pString}, def{"description", pString}, def{"malware_types", pStrings},
		def{"is_family", required(pBool)}, def{"aliases", pStrings}, killChain,
		def{"first_seen", pTimestamp}, def{"last_seen", pTimestamp},
		def{"operating_system_refs", pRefs(refTo("software"))},
		def{"architecture_execution_envs", pStrings}, def{"implementation_languages", pStrings},
		def{"capabilities", pStrings}, def{"sample_refs", pRefs(refTo("artifact", "file"))}),
	"malware-analysis": sdo(rules(atLeastOne("result", "analysis_sco_refs")),
		def{"product", required(pString)}, def{"version", pString},
		def{"host_vm_ref", pRef(refTo("software"))}, def{"operating_system_ref", pRef(refTo("software"))},
		def{"installed_software_refs", pRefs(refTo("software"))}, def{"configuration_version", pString},
		def{"modules", pStrings}, def{"analysis_engine_version", pString},
		def{"analysis_definition_version", pString}, def{"submitted", pTimestamp},
		def{"analysis_started", pTimestamp}, def{"analysis_ended", pTimestamp},
		def{"result_name", pString}, def{"result", pString}, def{"analysis_sco_refs", pRefs(refSCO)},
		def{"sample_ref", pRef(refTo("file", "network-traffic", "artifact"))}),
	"note": sdo(nil,
		def{"abstract", pString}, def{"content", required(pString)}, def{"authors", pStrings},
		def{"object_refs", required(pRefs(refAny))}),
	"observed-data": sdo(rules(inOrder("first_observed", "last_observed", false), exactlyOne("objects", "object_refs")),
		def{"first_observed", required(pTimestamp)}, def{"last_observed", required(pTimestamp)},
		def{"number_observed", required(pRange(1, 999999999))},
		def{"objects", prop{kind: kObservables}}, def{"object_refs", pRefs(refSCOorSRO)}),
	"opinion": sdo(nil,
		def{"explanation", pString}, def{"authors", pStrings},
		def{"opinion", required(pEnum("strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"))},
		def{"object_refs", required(pRefs(refAny))}),
	"report": sdo(nil,
		def{"name", required(pString)}, def{"description", pString}, def{"report_types", pStrings},
		def{"published", required(pTimestamp)}, def{"object_refs", required(pRefs(refAny))}),
	"threat-actor": sdo(rules(inOrder("first_seen", "last_seen", false)),
		def{"name", required(pString)}, def{"description", pString}, def{"threat_actor_types", pStrings},
		def{"aliases", pStrings}, def{"first_seen", pTimestamp}, def{"last_seen", pTimestamp},
		def{"roles", pStrings}, def{"goals", pStrings}, def{"sophistication", pString},
		def{"resource_level", pString}, def{"primary_motivation", pString},
		def{"secondary_motivations", pStrings}, def{"personal_motivations", pStrings}),
	"tool": sdo(nil,
		def{"name", required(pString)}, def{"description", pString}, def{"tool_types", pStrings},
		def{"aliases", pStrings}, killChain, def{"tool_version", pString}),
	"vulnerability": sdo(nil,
		def{"name", required(pString)}, def{"description", pString}),

	// STIX Relationship Objects (section 5).
	"relationship": sro(rules(format("relationship_type", "a valid relationship type (a-z, 0-9 and hyphens)", validRelationshipType),
		inOrder("start_time", "stop_time", true)),
		def{"relationship_type", required(pString)}, def{"description", pString},
		def{"source_ref", required(pRef(refRelated))}, def{"target_ref", required(pRef(refRelated))},
		def{"start_time", pTimestamp}, def{"stop_time", pTimestamp}),
	"sighting": sro(rules(inOrder("first_seen", "last_seen", false)),
		def{"description", pString}, def{"first_seen", pTimestamp}, def{"last_seen", pTimestamp},
		def{"count", pRange(0, 999999999)}, def{"sighting_of_ref", required(pRef(refSDO))},
		def{"observed_data_refs", pRefs(refTo("observed-data"))},
		def{"where_sighted_refs", pRefs(refTo("identity", "location"))}, def{"summary", pBool}),

	// STIX Cyber-observable Objects (section 6).
	"artifact": sco(rules(exactlyOne("payload_bin", "url"), needs("url", "hashes"), needs("decryption_key", "encryption_algorithm")),
		def{"mime_type", pString}, def{"payload_bin", pBinary}, def{"url", pString}, def{"hashes", pHashes},
		def{"encryption_algorithm", pEnum("AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated")},
		def{"decryption_key", pString}),
	"autonomous-system": sco(nil,
		def{"number", required(pInt)}, def{"name", pString}, def{"rir", pString}),
	"directory": sco(nil,
		def{"path", required(pString)}, def{"path_enc", pString}, def{"ctime", pTimestamp},
		def{"mtime", pTimestamp}, def{"atime", pTimestamp},
		def{"contains_refs", pRefs(refTo("file", "directory"))}),
	"domain-name": sco(nil,
		def{"value", required(pString)},
		def{"resolves_to_refs", pRefs(refTo("ipv4-addr", "ipv6-addr", "domain-name"))}),
	"email-addr": sco(nil,
		def{"value", required(pString)}, def{"display_name", pString},
		def{"belongs_to_ref", pRef(refTo("user-account"))}),
	"email-message": sco(rules(multipartRule),
		def{"is_multipart", required(pBool)}, def{"date", pTimestamp}, def{"content_type", pString},
		def{"from_ref", pRef(refTo("email-addr"))}, def{"sender_ref", pRef(refTo("email-addr"))},
		def{"to_refs", pRefs(refTo("email-addr"))}, def{"cc_refs", pRefs(refTo("email-addr"))},
		def{"bcc_refs", pRefs(refTo("email-addr"))}, def{"message_id", pString}, def{"subject", pString},
		def{"received_lines", pStrings}, def{"additional_header_fields", pDict}, def{"body", pString},
		def{"body_multipart", pObjects(mimePart)}, def{"raw_email_ref", pRef(refTo("artifact"))}),
	"file": sco(rules(atLeastOne("hashes", "name")),
		def{"hashes", pHashes}, def{"size", pUint}, def{"name", pString}, def{"name_enc", pString},
		def{"magic_number_hex", pHex}, def{"mime_type", pString}, def{"ctime", pTimestamp},
		def{"mtime", pTimestamp}, def{"atime", pTimestamp},
		def{"parent_directory_ref", pRef(refTo("directory"))}, def{"contains_refs", pRefs(refAny)},
		def{"content_ref", pRef(refTo("artifact"))}),
	"ipv4-addr": sco(rules(format("value", "an IPv4 address or CIDR block", validIPv4)),
		def{"value", required(pString)}, def{"resolves_to_refs", pRefs(refTo("mac-addr"))},
		def{"belongs_to_refs", pRefs(refTo("autonomous-system"))}),
	"ipv6-addr": sco(rules(format("value", "an IPv6 address or CIDR block", validIPv6)),
		def{"value", required(pString)}, def{"resolves_to_refs", pRefs(refTo("mac-addr"))},
		def{"belongs_to_refs", pRefs(refTo("autonomous-system"))}),
	"mac-addr": sco(rules(format("value", "a colon-delimited, lower-case MAC-48 address", validMAC)),
		def{"value", required(pString)}),
	"mutex": sco(nil,
		def{"name", required(pString)}),
	"network-traffic": sco(rules(atLeastOne("src_ref", "dst_ref"), activeRule, inOrder("start", "end", false)),
		def{"start", pTimestamp}, def{"end", pTimestamp}, def{"is_active", pBool},
		def{"src_ref", pRef(refTo("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"))},
		def{"dst_ref", pRef(refTo("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"))},
		def{"src_port", pRange(0, 65535)}, def{"dst_port", pRange(0, 65535)},
		def{"protocols", required(pStrings)}, def{"src_byte_count", pUint}, def{"dst_byte_count", pUint},
		def{"src_packets", pUint}, def{"dst_packets", pUint}, def{"ipfix", pDict},
		def{"src_payload_ref", pRef(refTo("artifact"))}, def{"dst_payload_ref", pRef(refTo("artifact"))},
		def{"encapsulates_refs", pRefs(refTo("network-traffic"))},
		def{"encapsulated_by_ref", pRef(refTo("network-traffic"))}),
	"process": sco(rules(atLeastOne("is_hidden", "pid", "created_time", "cwd", "command_line",
		"environment_variables", "opened_connection_refs", "creator_user_ref", "image_ref",
		"parent_ref", "child_refs", "extensions")),
		def{"is_hidden", pBool}, def{"pid", pInt}, def{"created_time", pTimestamp}, def{"cwd", pString},
		def{"command_line", pString}, def{"environment_variables", pDict},
		def{"opened_connection_refs", pRefs(refTo("network-traffic"))},
		def{"creator_user_ref", pRef(refTo("user-account"))}, def{"image_ref", pRef(refTo("file"))},
		def{"parent_ref", pRef(refTo("process"))}, def{"child_refs", pRefs(refTo("process"))}),
	"software": sco(nil,
		def{"name", required(pString)}, def{"cpe", pString}, def{"swid", pString},
		def{"languages", pStrings}, def{"vendor", pString}, def{"version", pString}),
	"url": sco(nil,
		def{"value", required(pString)}),
	// User Account: "at least one of the properties defined below MUST be included".
	"user-account": sco(rules(atLeastOne("user_id", "credential", "account_login", "account_type",
		"display_name", "is_service_account", "is_privileged", "can_escalate_privs", "is_disabled",
		"account_created", "account_expires", "credential_last_changed", "account_first_login",
		"account_last_login", "extensions")),
		def{"user_id", pString}, def{"credential", pString}, def{"account_login", pString},
		def{"account_type", pString}, def{"display_name", pString}, def{"is_service_account", pBool},
		def{"is_privileged", pBool}, def{"can_escalate_privs", pBool}, def{"is_disabled", pBool},
		def{"account_created", pTimestamp}, def{"account_expires", pTimestamp},
		def{"credential_last_changed", pTimestamp}, def{"account_first_login", pTimestamp},
		def{"account_last_login", pTimestamp}),
	"windows-registry-key": sco(rules(atLeastOne("key", "values", "modified_time", "creator_user_ref",
		"number_of_subkeys", "extensions")),
		def{"key", pString}, def{"values", pObjects(registryValue)}, def{"modified_time", pTimestamp},
		def{"creator_user_ref", pRef(refTo("user-account"))}, def{"number_of_subkeys", pInt}),
	"x509-certificate": sco(rules(atLeastOne("is_self_signed", "hashes", "version", "serial_number",
		"signature_algorithm", "issuer", "validity_not_before", "validity_not_after", "subject",
		"subject_public_key_algorithm", "subject_public_key_modulus", "subject_public_key_exponent",
		"x509_v3_extensions")),
		def{"is_self_signed", pBool}, def{"hashes", pHashes}, def{"version", pString},
		def{"serial_number", pString}, def{"signature_algorithm", pString}, def{"issuer", pString},
		def{"validity_not_before", pTimestamp}, def{"validity_not_after", pTimestamp},
		def{"subject", pString}, def{"subject_public_key_algorithm", pString},
		def{"subject_public_key_modulus", pString}, def{"subject_public_key_exponent", pInt},
		def{"x509_v3_extensions", pObject(x509Extensions)}),

	// STIX Meta Objects (section 7).
	"marking-definition": withCommon(KindMeta, newShape(rules(markingDefinitionRule),
		def{"name", pString}, def{"definition_type", pString}, def{"definition", pObject(&shape{})}),
		[]string{"created"}, "revoked", "labels", "confidence", "lang", "defanged"),
	"language-content": withCommon(KindMeta, newShape(rules(contentsRule),
		def{"object_ref", required(pRef(refRule{exclude: []string{"language-content"}, what: "an object other than a language-content"}))},
		def{"object_modified", pTimestamp}, def{"contents", required(pAny)}),
		[]string{"created", "modified"}, "lang", "defanged"),
	"extension-definition": withCommon(KindMeta, newShape(rules(extensionPropertiesRule),
		def{"name", required(pString)}, def{"description", pString}, def{"schema", required(pString)},
		def{"version", required(pString)}, def{"extension_types", required(pEnums(extensionTypes...))},
		def{"extension_properties", pStrings}),
		[]string{"created", "modified", "created_by_ref"}, "confidence", "lang", "defanged", "extensions"),
}

// Embedded types.

var mimePart = newShape(rules(atLeastOne("body", "body_raw_ref")),
	def{"body", pString}, def{"body_raw_ref", pRef(refTo("artifact", "file"))},
	def{"content_type", pString}, def{"content_disposition", pString})

var registryValue = newShape(nil,
	def{"name", pString}, def{"data", pString},
	def{"data_type", pEnum("REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD",
		"REG_DWORD_BIG_ENDIAN", "REG_DWORD_LITTLE_ENDIAN", "REG_LINK", "REG_MULTI_SZ",
		"REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTION", "REG_RESOURCE_REQUIREMENTS_LIST",
		"REG_QWORD", "REG_INVALID_TYPE")})

var x509Extensions = newShape(nil,
	def{"basic_constraints", pString}, def{"name_constraints", pString}, def{"policy_constraints", pString},
	def{"key_usage", pString}, def{"extended_key_usage", pString}, def{"subject_key_identifier", pString},
	def{"authority_key_identifier", pString}, def{"subject_alternative_name", pString},
	def{"issuer_alternative_name", pString}, def{"subject_directory_attributes", pString},
	def{"crl_distribution_points", pString}, def{"inhibit_any_policy", pString},
	def{"private_key_usage_period_not_before", pTimestamp},
	def{"private_key_usage_period_not_after", pTimestamp},
	def{"certificate_policies", pString}, def{"policy_mappings", pString})

// predefinedExtension is an extension defined in section 6 for one SCO type.
type predefinedExtension struct {
	owner string
	shape *shape
}

// predefinedExtensions are the SCO extensions STIX 2.1 defines, by name.
var predefinedExtensions = map[string]predefinedExtension{
	"archive-ext": {"file", newShape(nil,
		def{"contains_refs", required(pRefs(refTo("file", "directory")))}, def{"comment", pString})},
	"ntfs-ext": {"file", newShape(rules(atLeastOne("sid", "alternate_data_streams")),
		def{"sid", pString}, def{"alternate_data_streams", pObjects(newShape(nil,
			def{"name", required(pString)}, def{"hashes", pHashes}, def{"size", pUint}))})},
	"pdf-ext": {"file", newShape(rules(atLeastOne("version", "is_optimized", "document_info_dict", "pdfid0", "pdfid1")),
		def{"version", pString}, def{"is_optimized", pBool}, def{"document_info_dict", pDict},
		def{"pdfid0", pString}, def{"pdfid1", pString})},
	"raster-image-ext": {"file", newShape(rules(atLeastOne("image_height", "image_width", "bits_per_pixel", "exif_tags")),
		def{"image_height", pInt}, def{"image_width", pInt}, def{"bits_per_pixel", pInt},
		def{"exif_tags", pDict})},
	"windows-pebinary-ext": {"file", newShape(nil,
		def{"pe_type", required(pString)}, def{"imphash", pString}, def{"machine_hex", pHex},
		def{"number_of_sections", pUint}, def{"time_date_stamp", pTimestamp},
		def{"pointer_to_symbol_table_hex", pHex}, def{"number_of_symbols", pUint},
		def{"size_of_optional_header", pUint}, def{"characteristics_hex", pHex},
		def{"file_header_hashes", pHashes}, def{"optional_header", pObject(peOptionalHeader)},
		def{"sections", pObjects(newShape(nil,
			def{"name", required(pString)}, def{"size", pUint}, def{"entropy", prop{kind: kFloat}},
			def{"hashes", pHashes}))})},
	"http-request-ext": {"network-traffic", newShape(nil,
		def{"request_method", required(pString)}, def{"request_value", required(pString)},
		def{"request_version", pString}, def{"request_header", pDict},
		def{"message_body_length", pUint}, def{"message_body_data_ref", pRef(refTo("artifact"))})},
	"icmp-ext": {"network-traffic", newShape(nil,
		def{"icmp_type_hex", required(pHex)}, def{"icmp_code_hex", required(pHex)})},
	"socket-ext": {"network-traffic", newShape(nil,
		def{"address_family", required(pEnum("AF_UNSPEC", "AF_INET", "AF_IPX", "AF_APPLETALK", "AF_NETBIOS", "AF_INET6", "AF_IRDA", "AF_BTH"))},
		def{"is_blocking", pBool}, def{"is_listening", pBool}, def{"options", pDict},
		def{"socket_type", pEnum("SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET")},
		def{"socket_descriptor", pUint}, def{"socket_handle", pInt})},
	"tcp-ext": {"network-traffic", newShape(rules(atLeastOne("src_flags_hex", "dst_flags_hex")),
		def{"src_flags_hex", pHex}, def{"dst_flags_hex", pHex})},
	"unix-account-ext": {"user-account", newShape(rules(atLeastOne("gid", "groups", "home_dir", "shell")),
		def{"gid", pInt}, def{"groups", pStrings}, def{"home_dir", pString}, def{"shell", pString})},
	"windows-process-ext": {"process", newShape(rules(atLeastOne("aslr_enabled", "dep_enabled", "priority",
		"owner_sid", "window_title", "startup_info", "integrity_level")),
		def{"aslr_enabled", pBool}, def{"dep_enabled", pBool}, def{"priority", pString},
		def{"owner_sid", pString}, def{"window_title", pString}, def{"startup_info", pDict},
		def{"integrity_level", pEnum("low", "medium", "high", "system")})},
	"windows-service-ext": {"process", newShape(rules(atLeastOne("service_name", "descriptions", "display_name",
		"group_name", "start_type", "service_dll_refs", "service_type", "service_status")),
		def{"service_name", pString}, def{"descriptions", pStrings}, def{"display_name", pString},
		def{"group_name", pString},
		def{"start_type", pEnum("SERVICE_AUTO_START", "SERVICE_BOOT_START", "SERVICE_DEMAND_START", "SERVICE_DISABLED", "SERVICE_SYSTEM_ALERT")},
		def{"service_dll_refs", pRefs(refTo("file"))},
		def{"service_type", pEnum("SERVICE_KERNEL_DRIVER", "SERVICE_FILE_SYSTEM_DRIVER", "SERVICE_WIN32_OWN_PROCESS", "SERVICE_WIN32_SHARE_PROCESS")},
		def{"service_status", pEnum("SERVICE_CONTINUE_PENDING", "SERVICE_PAUSE_PENDING", "SERVICE_PAUSED", "SERVICE_RUNNING", "SERVICE_START_PENDING", "SERVICE_STOP_PENDING", "SERVICE_STOPPED")})},
}

var peOptionalHeader = func() *shape {
	defs := []def{
		{"magic_hex", pHex}, {"win32_version_value_hex", pHex}, {"checksum_hex", pHex},
		{"subsystem_hex", pHex}, {"dll_characteristics_hex", pHex}, {"loader_flags_hex", pHex},
		{"hashes", pHashes},
	}
	for _, n := range []string{"major_linker_version", "minor_linker_version", "address_of_entry_point",
		"base_of_code", "base_of_data", "image_base", "section_alignment", "file_alignment",
		"major_os_version", "minor_os_version", "major_image_version", "minor_image_version",
		"major_subsystem_version", "minor_subsystem_version", "number_of_rva_and_sizes"} {
		defs = append(defs, def{n, pInt})
	}
	for _, n := range []string{"size_of_code", "size_of_initialized_data", "size_of_uninitialized_data",
		"size_of_image", "size_of_headers", "size_of_stack_reserve", "size_of_stack_commit",
		"size_of_heap_reserve", "size_of_heap_commit"} {
		defs = append(defs, def{n, pUint})
	}
	return newShape(nil, defs...)
}()

// Type-specific rules.

func locationRule(v *validator, path string, f fields) *Error {
	if has(f, "region") || has(f, "country") || has(f, "latitude") && has(f, "longitude") {
		return nil
	}
	return v.at(path, "", "at least one of region, country, or latitude and longitude is required")
}

func malwareRule(v *validator, path string, f fields) *Error {
	if fam := f.get("is_family"); fam != nil && fam[0] == 't' && !has(f, "name") {
		return v.at(path, "name", "is required when is_family is true")
	}
	return nil
}

func multipartRule(v *validator, path string, f fields) *Error {
	mp := f.get("is_multipart")
	switch {
	case mp[0] == 't' && has(f, "body"):
		return v.at(path, "body", "must not be present when is_multipart is true (use body_multipart)")
	case mp[0] == 'f' && has(f, "body_multipart"):
		return v.at(path, "body_multipart", "must not be present when is_multipart is false (use body)")
	}
	return nil
}

func activeRule(v *validator, path string, f fields) *Error {
	if a := f.get("is_active"); a != nil && a[0] == 't' && has(f, "end") {
		return v.at(path, "end", "must not be present when is_active is true")
	}
	return nil
}

func validRelationshipType(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func contentsRule(v *validator, path string, f fields) *Error {
	raw := f.get("contents")
	if raw[0] != '{' || isEmptyObject(raw) {
		return v.at(path, "contents", "must be a non-empty dictionary keyed by language")
	}
	var e *Error
	members(raw, func(k, val []byte) bool {
		switch {
		case !validLang(string(k)):
			e = v.at(path, "contents", fmt.Sprintf("key %q is not an RFC 5646 language tag", clip(string(k))))
		case val[0] != '{' || isEmptyObject(val):
			e = v.at(join(path, "contents"), string(k), "must be a non-empty dictionary of translated properties")
		}
		return e == nil
	})
	return e
}

func extensionPropertiesRule(v *validator, path string, f fields) *Error {
	if !has(f, "extension_properties") {
		return nil
	}
	top := false
	elements(f.get("extension_types"), func(_ int, el []byte) bool {
		top = string(el) == `"toplevel-property-extension"`
		return !top
	})
	if !top {
		return v.at(path, "extension_properties", "is only allowed when extension_types includes toplevel-property-extension")
	}
	return nil
}

// indicatorRule records the pattern and its type, which the type's definitions have
// already checked are strings.
func indicatorRule(v *validator, path string, f fields) *Error {
	v.obj.Pattern, _ = stringValue(f.get("pattern"))
	v.obj.PatternType, _ = stringValue(f.get("pattern_type"))
	return nil
}

// markingDefinitionRule checks the legacy definition_type/definition pair and guards the
// TLP markings: only the standard marking definitions may claim to be TLP, so that nobody
// can mint a look-alike "TLP:CLEAR" under another id.
func markingDefinitionRule(v *validator, path string, f fields) *Error {
	o := v.obj
	o.Name, _ = stringValue(f.get("name"))
	dt, dfn := f.get("definition_type"), f.get("definition")
	switch {
	case dt == nil && dfn == nil:
		if o.Extensions == nil {
			return v.at(path, "definition_type", "is required when extensions is absent")
		}
	case dt == nil:
		return v.at(path, "definition_type", "is required when definition is present")
	case dfn == nil:
		return v.at(path, "definition", "is required when definition_type is present")
	}
	if dt != nil {
		o.DefinitionType, _ = stringValue(dt)
		o.Definition = dfn
		switch o.DefinitionType {
		case "tlp":
			level, _ := str(lookup0(dfn, "tlp"))
			want, ok := tlp1Levels[o.ID]
			if !ok || level != want {
				return v.at(path, "definition_type", "tlp is reserved to the four TLP 1.0 marking definitions of STIX 2.1 section 7.2.1.4 (with their ids and levels)")
			}
		case "statement":
			if _, ok := str(lookup0(dfn, "statement")); !ok {
				return v.at(join(path, "definition"), "statement", "is required and must be a string for a statement marking")
			}
		}
	}
	if ext, ok := o.Extensions[TLP2ExtensionID]; ok {
		level, _ := str(lookup0(ext, "tlp_2_0"))
		want, known := tlp2Levels[o.ID]
		if !known || level != want {
			return v.at("extensions", TLP2ExtensionID, "the TLP 2.0 extension is reserved to the five TLP 2.0 marking definitions (with their ids and levels)")
		}
	}
	return nil
}
