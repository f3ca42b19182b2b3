package stix

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	firebreak "github.com/firebreak/firebreak"
)

// Minimal valid objects of every type: only required properties (and, where the spec asks
// for at least one of several, one of them). Removing any property makes them invalid.
const (
	ts0 = "2016-04-06T20:03:48.000Z"
	ts1 = "2017-01-01T00:00:00.000Z"

	idIdentity = "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"
	idIndic    = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
	idMalware  = "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"
	idObserved = "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf"
	idFile     = "file--1b40e321-ae73-5637-bd97-33c35a86b80d"
	idIPv4     = "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd"
	idSoftware = "software--a1827f6d-ca53-5605-9e93-4316cd22a00a"
	idArtifact = "artifact--6f437177-6e48-5cf8-9d9e-872a2bddd641"
	idEmail    = "email-addr--2d77a846-6264-5d51-b586-e43822ea1ea3"
	idNetwork  = "network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d"
	idMarking  = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da" // TLP 1.0 GREEN
	idExtDef   = "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e"
)

func sdoBase(typ, uuid string, extra string) string {
	return fmt.Sprintf(`{"type":%q,"spec_version":"2.1","id":"%s--%s","created":%q,"modified":%q%s}`, typ, typ, uuid, ts0, ts0, extra)
}

func scoBase(typ, uuid string, extra string) string {
	return fmt.Sprintf(`{"type":%q,"id":"%s--%s"%s}`, typ, typ, uuid, extra)
}

var minimal = map[string]string{
	"attack-pattern":   sdoBase("attack-pattern", "7e33a43e-e34b-40ec-89da-36c9bb2cacd5", `,"name":"Spear Phishing"`),
	"campaign":         sdoBase("campaign", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", `,"name":"Green Group Attacks"`),
	"course-of-action": sdoBase("course-of-action", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", `,"name":"Add TCP port 80 filter"`),
	"grouping":         sdoBase("grouping", "84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3", `,"context":"suspicious-activity","object_refs":["`+idIndic+`"]`),
	"identity":         sdoBase("identity", "023d105b-752e-4e3c-941c-7d3f3cb15e9e", `,"name":"John Smith"`),
	"incident":         sdoBase("incident", "023d105b-752e-4e3c-941c-7d3f3cb15e9e", `,"name":"Breach"`),
	"indicator":        sdoBase("indicator", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", `,"pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z"`),
	"infrastructure":   sdoBase("infrastructure", "38c47d93-d984-4fd9-b87b-d69d0841628d", `,"name":"Poison Ivy C2"`),
	"intrusion-set":    sdoBase("intrusion-set", "4e78f46f-a023-4e5f-bc24-71b3ca22ec29", `,"name":"Bobcat Breakin"`),
	"location":         sdoBase("location", "a6e9345f-5a15-4c29-8bb3-7dcc5d168d64", `,"region":"south-eastern-asia"`),
	"malware":          sdoBase("malware", "31b940d4-6f7f-459a-80ea-9c1f17b5891b", `,"is_family":false`),
	"malware-analysis": sdoBase("malware-analysis", "d25dcf9e-f4f2-4b22-a7bb-47e0f2b7c2c4", `,"product":"microsoft","result":"malicious"`),
	"note":             sdoBase("note", "0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061", `,"content":"This note indicates...","object_refs":["`+idMalware+`"]`),
	"observed-data":    sdoBase("observed-data", "b67d30ff-02ac-498a-92f9-32f845f448cf", `,"first_observed":"2015-12-21T19:00:00Z","last_observed":"2015-12-21T19:00:00Z","number_observed":50,"object_refs":["`+idIPv4+`"]`),
	"opinion":          sdoBase("opinion", "b01efc25-77b4-4003-b18b-f6e24b5cd9f7", `,"opinion":"strongly-disagree","object_refs":["`+idIndic+`"]`),
	"report":           sdoBase("report", "84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3", `,"name":"The Black Vine Cyberespionage Group","published":"2016-01-20T17:00:00.000Z","object_refs":["`+idIndic+`"]`),
	"threat-actor":     sdoBase("threat-actor", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", `,"name":"Evil Org"`),
	"tool":             sdoBase("tool", "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", `,"name":"VNC"`),
	"vulnerability":    sdoBase("vulnerability", "0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061", `,"name":"CVE-2016-1234"`),

	"relationship": sdoBase("relationship", "44298a74-ba52-4f0c-87a3-1824e67d7fad", `,"relationship_type":"indicates","source_ref":"`+idIndic+`","target_ref":"`+idMalware+`"`),
	"sighting":     sdoBase("sighting", "ee20065d-2555-424f-ad9e-0f8428623c75", `,"sighting_of_ref":"`+idIndic+`"`),

	"artifact":             scoBase("artifact", "ca17bcf8-9846-5ab4-8662-75c1bf6e63ee", `,"payload_bin":"VBORw0KGgoAAAANSUhEUgAAADI=="`),
	"autonomous-system":    scoBase("autonomous-system", "f720c34b-98ae-597f-ade5-27ef187498db", `,"number":15139`),
	"directory":            scoBase("directory", "93c0a9b0-520d-545d-9094-1a08ddf46b05", `,"path":"C:\\Windows\\System32"`),
	"domain-name":          scoBase("domain-name", "3c10e93f-798e-5a26-a0c1-08156efab7f5", `,"value":"example.com"`),
	"email-addr":           scoBase("email-addr", "2d77a846-6264-5d51-b586-e43822ea1ea3", `,"value":"john@example.com"`),
	"email-message":        scoBase("email-message", "72b7698f-10c2-565a-a2a6-b4996a2f2265", `,"is_multipart":false`),
	"file":                 scoBase("file", "1b40e321-ae73-5637-bd97-33c35a86b80d", `,"name":"qwerty.dll"`),
	"ipv4-addr":            scoBase("ipv4-addr", "ff26c055-6336-5bc5-b98d-13d6226742dd", `,"value":"198.51.100.3"`),
	"ipv6-addr":            scoBase("ipv6-addr", "1e61d36c-a16c-53b7-a80f-2a00161c96b1", `,"value":"2001:0db8:85a3:0000:0000:8a2e:0370:7334"`),
	"mac-addr":             scoBase("mac-addr", "65cfcf98-8a6e-5a1b-8f61-379ac4f92d00", `,"value":"d2:fb:49:24:37:18"`),
	"mutex":                scoBase("mutex", "eba44954-d4e4-5d3b-814c-2b17dd8de300", `,"name":"__CLEANSWEEP__"`),
	"network-traffic":      scoBase("network-traffic", "2568d22a-8998-58eb-99ec-3c8ca74f527d", `,"src_ref":"`+idIPv4+`","protocols":["tcp"]`),
	"process":              scoBase("process", "f52a906a-0dfc-40bd-92f1-e7778ead38a9", `,"pid":1221`),
	"software":             scoBase("software", "a1827f6d-ca53-5605-9e93-4316cd22a00a", `,"name":"Word"`),
	"url":                  scoBase("url", "c1477287-23ac-5971-a010-5c287877fa60", `,"value":"https://example.com/research/index.html"`),
	"user-account":         scoBase("user-account", "0d5b424b-93b8-5cd8-ac36-306e1789d63c", `,"user_id":"1001"`),
	"windows-registry-key": scoBase("windows-registry-key", "2ba37ae7-2745-5082-9dfd-9486dad41016", `,"key":"HKEY_LOCAL_MACHINE\\System\\Foo\\Bar"`),
	"x509-certificate":     scoBase("x509-certificate", "463d7b2a-8516-5a50-a3d7-6f801465d5de", `,"serial_number":"36:f7:d4:32:f4:ab:70:ea:d3:ce:98:6e:ea:99:93:49:32:0a:b7:06"`),

	"marking-definition":   `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd","created":"2016-08-01T00:00:00.000Z","definition_type":"statement","definition":{"statement":"Copyright 2019, Example Corp"}}`,
	"language-content":     sdoBase("language-content", "b86b3482-953e-4401-a9a1-a4a15ffd2fe0", `,"object_ref":"`+idIndic+`","contents":{"de":{"name":"Bösartige URL"}}`),
	"extension-definition": sdoBase("extension-definition", "d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e", `,"created_by_ref":"`+idIdentity+`","name":"Extension Foo 1","schema":"https://www.example.com/schema-foo-1/v1/","version":"1.2.1","extension_types":["property-extension"]`),
}

var (
	tlp1Doc      = `{"type":"marking-definition","spec_version":"2.1","id":"` + TLP1WhiteID + `","created":"2017-01-20T00:00:00.000Z","definition_type":"tlp","name":"TLP:WHITE","definition":{"tlp":"white"}}`
	tlp2Doc      = `{"type":"marking-definition","spec_version":"2.1","id":"` + TLPClearID + `","created":"2022-10-01T00:00:00.000Z","name":"TLP:CLEAR","extensions":{"` + TLP2ExtensionID + `":{"extension_type":"property-extension","tlp_2_0":"clear"}}}`
	policyDoc    = `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--5e0aa0d6-6f4f-4bd4-9a3e-3b6bdb2e0b21","created":"2024-01-01T00:00:00.000Z","extensions":{"` + PolicyExtensionID + `":{"extension_type":"property-extension","audience":{"circles":["us-energy"]},"caveats":["no-foreign"]}}}`
	newSDODoc    = `{"type":"my-favorite-sdo","spec_version":"2.1","id":"my-favorite-sdo--ac97aae4-83f1-46ca-a351-7aeb76678189","created":"2014-02-20T09:16:08.989000Z","modified":"2014-02-20T09:16:08.989000Z","name":"This is the name of my favorite","some_property_name1":"value1","extensions":{"extension-definition--9c59fd79-4215-4ba2-920d-3e4f320e1e62":{"extension_type":"new-sdo"}}}`
	newSCODoc    = `{"type":"my-favorite-sco","spec_version":"2.1","id":"my-favorite-sco--f9dbe89c-0030-4a9d-8b78-0dcd0a0de874","name":"This is the name of my favorite SCO","extensions":{"extension-definition--c5333451-c08c-4c48-be5e-9ad4c947776a":{"extension_type":"new-sco"}}}`
	newSRODoc    = `{"type":"my-favorite-sro","spec_version":"2.1","id":"my-favorite-sro--f9dbe89c-0030-4a9d-8b78-0dcd0a0de874","created":"2014-02-20T09:16:08.989Z","modified":"2014-02-20T09:16:08.989Z","extensions":{"extension-definition--c5333451-c08c-4c48-be5e-9ad4c947776a":{"extension_type":"new-sro"}}}`
	customSDODoc = `{"type":"x-example-com-customobject","id":"x-example-com-customobject--4527e5de-8572-446a-a57a-706f15467461","spec_version":"2.1","created":"2016-08-01T00:00:00.000Z","modified":"2016-08-01T00:00:00.000Z","some_custom_stuff":14}`
	customSCODoc = `{"type":"x-example-com-thing","id":"x-example-com-thing--4527e5de-8572-446a-a57a-706f15467461","value":"v"}`
)

// edit returns doc with properties set (a value of nil deletes the property).
func edit(t testing.TB, doc string, kv ...any) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("edit: %v in %s", err, doc)
	}
	for i := 0; i < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			delete(m, k)
			continue
		}
		m[k] = kv[i+1]
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

func idOf(t testing.TB, doc string) string {
	var m struct{ ID string }
	_ = json.Unmarshal([]byte(doc), &m)
	return m.ID
}

func TestMinimalObjectsOfEveryTypeAreValid(t *testing.T) {
	for typ := range kindOf {
		doc, ok := minimal[typ]
		if !ok {
			t.Errorf("no minimal %s in the test table", typ)
			continue
		}
		o, err := Parse([]byte(doc))
		if err != nil {
			t.Errorf("Parse(minimal %s) = %v", typ, err)
			continue
		}
		if o.Type != typ || o.Kind != kindOf[typ] || o.SpecVersion != "2.1" || o.ID != idOf(t, doc) {
			t.Errorf("Parse(minimal %s) = type %q kind %v spec %q id %q", typ, o.Type, o.Kind, o.SpecVersion, o.ID)
		}
	}
}

func TestRemovingAnyPropertyOfAMinimalObjectIsRejected(t *testing.T) {
	for typ, doc := range minimal {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatal(err)
		}
		for k := range m {
			if typ == "marking-definition" && (k == "definition" || k == "definition_type") {
				continue // tested below: the pair goes together
			}
			bad := edit(t, doc, k, nil)
			_, err := Parse([]byte(bad))
			if err == nil {
				t.Errorf("%s without %s: accepted", typ, k)
				continue
			}
			msg := err.Error()
			if k != "id" && k != "type" && !strings.HasPrefix(msg, idOf(t, doc)+": ") {
				t.Errorf("%s without %s: %q does not name the object", typ, k, msg)
			}
			if !strings.Contains(msg, k) && !strings.Contains(msg, "one of") {
				t.Errorf("%s without %s: %q does not name the property", typ, k, msg)
			}
		}
	}
}

type parseCase struct {
	name string
	doc  string
	// want is "" for a valid object, else a substring of the error; the error must also
	// start with the object's id (when it has a valid one) and name prop.
	prop, want string
}

func runParseCases(t *testing.T, cases []parseCase) {
	t.Helper()
	for _, tc := range cases {
		o, err := Parse([]byte(tc.doc))
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: Parse = %v, want valid", tc.name, err)
			} else if string(o.Raw) != tc.doc {
				t.Errorf("%s: Raw is not the input", tc.name)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: Parse accepted %s, want error %q", tc.name, tc.doc, tc.want)
			continue
		}
		var se *Error
		if !errors.As(err, &se) {
			t.Errorf("%s: error %T is not *Error", tc.name, err)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.want) {
			t.Errorf("%s: error %q does not contain %q", tc.name, msg, tc.want)
		}
		if tc.prop != "" && se.Property != tc.prop {
			t.Errorf("%s: error property %q, want %q (%s)", tc.name, se.Property, tc.prop, msg)
		}
		if id := idOf(t, tc.doc); se.ID != "" && id != "" && !strings.HasPrefix(msg, id+": ") {
			t.Errorf("%s: error %q does not start with the object's id %s", tc.name, msg, id)
		}
		if firebreak.ErrorCode(err) != firebreak.EINVALID {
			t.Errorf("%s: ErrorCode = %q, want %q", tc.name, firebreak.ErrorCode(err), firebreak.EINVALID)
		}
	}
}

func jSONLevelCases(t testing.TB) []parseCase {
	ind := minimal["indicator"]
	deep := strings.Repeat(`[`, 70) + strings.Repeat(`]`, 70)
	return []parseCase{
		{"array", `[` + ind + `]`, "", "object: not a JSON object"},
		{"string", `"indicator"`, "", "object: not a JSON object"},
		{"empty", ``, "", "object: not a JSON object"},
		{"spaces around are fine", " \n" + ind + "\t ", "", ""},
		{"trailing data", ind + `{}`, "", "data after the object"},
		{"truncated", ind[:len(ind)-1], "", "invalid JSON"},
		{"duplicate key", strings.Replace(ind, `"pattern_type":"stix"`, `"pattern_type":"stix","pattern_type":"snort"`, 1), "", `duplicate key "pattern_type"`},
		{"duplicate key names the object", strings.Replace(ind, `"valid_from"`, `"type":"x","valid_from"`, 1), "", idIndic + `: invalid JSON: duplicate key "type"`},
		{"escaped duplicate", strings.Replace(ind, `"pattern_type":"stix"`, `"pattern_type":"stix","pattern\u005ftype":"snort"`, 1), "", `duplicate key "pattern_type"`},
		{"nested duplicate", edit(t, ind, "x_acme", raw(`{"a":1}`))[:0] + strings.Replace(ind, `}`, `,"x_acme":{"a":1,"a":2}}`, 1), "", `duplicate key "a"`},
		{"invalid UTF-8", strings.Replace(ind, `"stix"`, "\"st\xffix\"", 1), "", "invalid UTF-8"},
		{"unpaired surrogate", strings.Replace(ind, `"stix"`, `"\ud800"`, 1), "", "unpaired surrogate"},
		{"too deep", strings.Replace(ind, `}`, `,"x_deep":`+deep+`}`, 1), "", "nesting deeper than 64"},
	}
}

func TestParseJSONLevel(t *testing.T) {
	runParseCases(t, jSONLevelCases(t))
}

func commonPropertiesCases(t testing.TB) []parseCase {
	ind := minimal["indicator"]
	file := minimal["file"]
	return []parseCase{
		// type
		{"type missing", edit(t, ind, "type", nil), "type", "required property is missing"},
		{"type not a string", edit(t, ind, "type", 5), "type", "must be a string"},
		{"type uppercase", edit(t, ind, "type", "Indicator"), "type", "not a valid object type"},
		{"type too short", `{"type":"ab","id":"ab--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}`, "type", "not a valid object type"},
		{"type double hyphen", `{"type":"x--y","id":"x--y--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}`, "type", "not a valid object type"},
		{"type unknown", strings.ReplaceAll(ind, "indicator", "indicators"), "type", `unknown object type "indicators"`},
		{"bundle as an object", `{"type":"bundle","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[]}`, "type", "a bundle is not a STIX object"},
		// id
		{"id missing", edit(t, ind, "id", nil), "id", "required property is missing"},
		{"id not a string", edit(t, ind, "id", 1), "id", "must be a string"},
		{"id of another type", edit(t, ind, "id", idMalware), "id", `does not start with the object's type "indicator"`},
		{"id without uuid", edit(t, ind, "id", "indicator--1234"), "id", "not an RFC 4122 UUID"},
		{"id without separator", edit(t, ind, "id", "indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"), "id", "not a valid identifier"},
		{"id nil uuid", edit(t, ind, "id", "indicator--00000000-0000-0000-0000-000000000000"), "id", "not an RFC 4122 UUID"},
		{"id wrong variant", edit(t, ind, "id", "indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f"), "id", "not an RFC 4122 UUID"},
		{"id in upper case is accepted", edit(t, ind, "id", "indicator--8E2E2D2B-17D4-4CBF-938F-98EE46B3CD3F"), "", ""},
		{"reference in upper case is accepted", edit(t, ind, "created_by_ref", "identity--F431F809-377B-45E0-AA1C-6A4751CAE5FF"), "", ""},
		{"id version 7 is accepted", edit(t, ind, "id", "indicator--01890a5d-ac96-774b-bcce-b302099a8057"), "", ""},
		// spec_version
		{"spec_version missing on an SDO", edit(t, ind, "spec_version", nil), "spec_version", "STIX 2.0, which this hub does not accept"},
		{"spec_version 2.0", edit(t, ind, "spec_version", "2.0"), "spec_version", `must be "2.1"`},
		{"spec_version number", edit(t, ind, "spec_version", 2.1), "spec_version", `must be "2.1"`},
		{"spec_version optional on an SCO", file, "", ""},
		{"spec_version 2.1 on an SCO", edit(t, file, "spec_version", "2.1"), "", ""},
		{"spec_version 2.0 on an SCO", edit(t, file, "spec_version", "2.0"), "spec_version", `must be "2.1"`},
		// created, modified
		{"created missing", edit(t, ind, "created", nil), "created", "required property is missing"},
		{"modified missing", edit(t, ind, "modified", nil), "modified", "required property is missing"},
		{"bad date", edit(t, ind, "created", "2022-101-27T13:49:54.326Z"), "created", `"2022-101-27T13:49:54.326Z" is not a valid timestamp`},
		{"month 13", edit(t, ind, "created", "2022-13-27T13:49:54.326Z"), "created", "is not a valid timestamp"},
		{"February 30", edit(t, ind, "created", "2022-02-30T13:49:54.326Z"), "created", "is not a valid timestamp"},
		{"February 29 of a leap year", edit(t, ind, "created", "2020-02-29T13:49:54.326Z", "modified", "2020-02-29T13:49:54.326Z"), "", ""},
		{"leap second", edit(t, ind, "modified", "2016-12-31T23:59:60.000Z"), "modified", "is not a valid timestamp"},
		{"offset instead of Z", edit(t, ind, "created", "2016-04-06T20:03:48.000+00:00"), "created", "is not a valid timestamp"},
		{"lower-case z", edit(t, ind, "created", "2016-04-06T20:03:48.000z"), "created", "is not a valid timestamp"},
		{"space instead of T", edit(t, ind, "created", "2016-04-06 20:03:48.000Z"), "created", "is not a valid timestamp"},
		{"empty fraction", edit(t, ind, "created", "2016-04-06T20:03:48.Z"), "created", "is not a valid timestamp"},
		{"no milliseconds", edit(t, ind, "created", "2016-04-06T20:03:48Z"), "created", "precise to at least the millisecond"},
		{"nanoseconds", edit(t, ind, "created", "2016-04-06T20:03:48.123456789Z", "modified", "2016-04-06T20:03:48.123456789Z"), "", ""},
		{"ten fraction digits", edit(t, ind, "created", "2016-04-06T20:03:48.1234567891Z"), "created", "more than nine fraction digits"},
		{"created a number", edit(t, ind, "created", 1), "created", "must be a timestamp string"},
		{"modified before created", edit(t, ind, "modified", "2016-04-06T20:03:47.999Z"), "modified", "is earlier than created"},
		{"modified equal to created, other precision", edit(t, ind, "modified", "2016-04-06T20:03:48.000000Z"), "", ""},
		// created_by_ref and other references
		{"created_by_ref identity", edit(t, ind, "created_by_ref", idIdentity), "", ""},
		{"created_by_ref not an identity", edit(t, ind, "created_by_ref", idMalware), "created_by_ref", "must reference an identity"},
		{"created_by_ref malformed", edit(t, ind, "created_by_ref", "identity--x"), "created_by_ref", "not an RFC 4122 UUID"},
		// revoked, labels, confidence, lang
		{"revoked", edit(t, ind, "revoked", true), "", ""},
		{"revoked a string", edit(t, ind, "revoked", "true"), "revoked", "must be true or false"},
		{"labels", edit(t, ind, "labels", []string{"a", "b"}), "", ""},
		{"labels empty", edit(t, ind, "labels", []string{}), "labels", "must not be an empty list"},
		{"labels not strings", edit(t, ind, "labels", []any{"a", 1}), "labels[1]", "must be a string"},
		{"labels a string", edit(t, ind, "labels", "a"), "labels", "non-empty list of strings"},
		{"confidence 0", edit(t, ind, "confidence", 0), "", ""},
		{"confidence 100", edit(t, ind, "confidence", 100), "", ""},
		{"confidence 101", edit(t, ind, "confidence", 101), "confidence", "between 0 and 100"},
		{"confidence -1", edit(t, ind, "confidence", -1), "confidence", "between 0 and 100"},
		{"confidence fractional", edit(t, ind, "confidence", 50.5), "confidence", "integer between 0 and 100"},
		{"lang", edit(t, ind, "lang", "en-US"), "", ""},
		{"lang not a tag", edit(t, ind, "lang", "English language"), "lang", "not an RFC 5646 language tag"},
		{"lang a number", edit(t, ind, "lang", 5), "lang", "not an RFC 5646 language tag"},
		// null and empty values, reserved and invalid names
		{"null", edit(t, ind, "name", nil)[:0] + strings.Replace(ind, `}`, `,"name":null}`, 1), "name", "must not be null"},
		{"reserved severity", edit(t, ind, "severity", "high"), "severity", "reserved property name"},
		{"reserved action", edit(t, ind, "action", "x"), "action", "reserved property name"},
		{"property name too short", edit(t, ind, "xy", 1), `"xy"`, "not a valid property name"},
		{"property name with a hyphen", edit(t, ind, "x-acme", 1), `"x-acme"`, "not a valid property name"},
		{"property name starting with a digit", edit(t, ind, "1abc", 1), `"1abc"`, "not a valid property name"},
		{"property name too long", edit(t, ind, "x"+strings.Repeat("a", 250), 1), "", "not a valid property name"},
		{"custom property", edit(t, ind, "x_acme_score", 10, "x_Acme_Scoring", map[string]any{"impact": "high"}), "", ""},
		{"custom empty list", edit(t, ind, "x_acme_list", []string{}), "x_acme_list", "must not be an empty list"},
		{"custom _hex", edit(t, ind, "x_acme_hex", "00ff"), "", ""},
		{"custom _hex not hex", edit(t, ind, "x_acme_hex", "0xff"), "x_acme_hex", "hexadecimal"},
		{"custom _bin", edit(t, ind, "x_acme_bin", "aGVsbG8="), "", ""},
		{"custom _bin not base64", edit(t, ind, "x_acme_bin", "hello!"), "x_acme_bin", "base64"},
		// defanged
		{"defanged on an SCO", edit(t, file, "defanged", true), "", ""},
		{"defanged on an SDO", edit(t, ind, "defanged", true), "defanged", "not allowed on indicator objects"},
	}
}

func TestParseCommonProperties(t *testing.T) {
	runParseCases(t, commonPropertiesCases(t))
}

func markingsCases(t testing.TB) []parseCase {
	ind := minimal["indicator"]
	gm := func(v ...map[string]any) []map[string]any { return v }
	return []parseCase{
		{"object_marking_refs", edit(t, ind, "object_marking_refs", []string{TLPGreenID, idMarking}), "", ""},
		{"object_marking_refs on an SCO", edit(t, minimal["file"], "object_marking_refs", []string{TLPGreenID}), "", ""},
		{"object_marking_refs to an identity", edit(t, ind, "object_marking_refs", []string{idIdentity}), "object_marking_refs[0]", "must reference a marking-definition"},
		{"object_marking_refs empty", edit(t, ind, "object_marking_refs", []string{}), "object_marking_refs", "must not be an empty list"},
		{"object_marking_refs a string", edit(t, ind, "object_marking_refs", TLPGreenID), "object_marking_refs", "non-empty list of identifiers"},
		{"object_marking_refs malformed", edit(t, ind, "object_marking_refs", []string{TLPGreenID, "marking-definition--1"}), "object_marking_refs[1]", "not an RFC 4122 UUID"},
		{"granular marking_ref", edit(t, ind, "name", "n", "granular_markings", gm(map[string]any{"selectors": []string{"name", "pattern"}, "marking_ref": TLPRedID})), "", ""},
		{"granular lang", edit(t, ind, "description", "d", "granular_markings", gm(map[string]any{"selectors": []string{"description"}, "lang": "de"})), "", ""},
		{"granular both", edit(t, ind, "granular_markings", gm(map[string]any{"selectors": []string{"pattern"}, "lang": "de", "marking_ref": TLPRedID})), "granular_markings[0]", "must not both be present"},
		{"granular neither", edit(t, ind, "granular_markings", gm(map[string]any{"selectors": []string{"pattern"}})), "granular_markings[0]", "one of marking_ref or lang is required"},
		{"granular no selectors", edit(t, ind, "granular_markings", gm(map[string]any{"marking_ref": TLPRedID})), "granular_markings[0].selectors", "required property is missing"},
		{"granular empty selectors", edit(t, ind, "granular_markings", gm(map[string]any{"selectors": []string{}, "marking_ref": TLPRedID})), "granular_markings[0].selectors", "non-empty list"},
		{"granular marking_ref to a non-marking", edit(t, ind, "granular_markings", gm(map[string]any{"selectors": []string{"pattern"}, "marking_ref": idIdentity})), "granular_markings[0].marking_ref", "must reference a marking-definition"},
		{"granular bad selector syntax", edit(t, ind, "granular_markings", gm(map[string]any{"selectors": []string{"pattern..x"}, "marking_ref": TLPRedID})), "granular_markings[0].selectors[0]", "not a valid selector"},
		{"granular selector of an absent property", edit(t, ind, "granular_markings", gm(map[string]any{"selectors": []string{"description"}, "marking_ref": TLPRedID})), "granular_markings[0].selectors[0]", "does not select anything"},
		{"granular selector into a list", edit(t, ind, "labels", []string{"a", "b"}, "granular_markings", gm(map[string]any{"selectors": []string{"labels.[1]"}, "marking_ref": TLPRedID})), "", ""},
		{"granular selector past a list", edit(t, ind, "labels", []string{"a", "b"}, "granular_markings", gm(map[string]any{"selectors": []string{"labels.[2]"}, "marking_ref": TLPRedID})), "granular_markings[0].selectors[0]", "does not select anything"},
		{"granular selector into a string", edit(t, ind, "granular_markings", gm(map[string]any{"selectors": []string{"pattern.[0]"}, "marking_ref": TLPRedID})), "granular_markings[0].selectors[0]", "does not select anything"},
		{"granular selector through objects", edit(t, ind, "external_references", []map[string]any{{"source_name": "x", "url": "https://x"}}, "granular_markings", gm(map[string]any{"selectors": []string{"external_references.[0].url"}, "marking_ref": TLPRedID})), "", ""},
		{"granular lang not a tag", edit(t, ind, "granular_markings", gm(map[string]any{"selectors": []string{"pattern"}, "lang": "?"})), "granular_markings[0].lang", "not an RFC 5646"},
	}
}

func TestParseMarkings(t *testing.T) {
	runParseCases(t, markingsCases(t))
	ind := minimal["indicator"]
	gm := func(v ...map[string]any) []map[string]any { return v }
	o, err := Parse([]byte(edit(t, ind, "object_marking_refs", []string{TLPGreenID}, "name", "n",
		"granular_markings", gm(map[string]any{"selectors": []string{"name"}, "marking_ref": TLPRedID}, map[string]any{"selectors": []string{"pattern"}, "lang": "fr"}))))
	if err != nil {
		t.Fatal(err)
	}
	want := []GranularMarking{{Selectors: []string{"name"}, MarkingRef: TLPRedID}, {Selectors: []string{"pattern"}, Lang: "fr"}}
	if fmt.Sprint(o.ObjectMarkingRefs) != fmt.Sprint([]string{TLPGreenID}) || fmt.Sprint(o.GranularMarkings) != fmt.Sprint(want) {
		t.Errorf("markings = %v %v, want [%s] %v", o.ObjectMarkingRefs, o.GranularMarkings, TLPGreenID, want)
	}
}

func externalReferencesAndKillChainsCases(t testing.TB) []parseCase {
	ap := minimal["attack-pattern"]
	er := func(v ...map[string]any) []map[string]any { return v }
	return []parseCase{
		{"external reference", edit(t, ap, "external_references", er(map[string]any{"source_name": "capec", "external_id": "CAPEC-163", "url": "https://capec.mitre.org/data/definitions/163.html"})), "", ""},
		{"external reference with description", edit(t, ap, "external_references", er(map[string]any{"source_name": "ACME", "description": "report"})), "", ""},
		{"external reference without source_name", edit(t, ap, "external_references", er(map[string]any{"url": "https://x"})), "external_references[0].source_name", "required property is missing"},
		{"external reference with source_name only", edit(t, ap, "external_references", er(map[string]any{"source_name": "x"})), "external_references[0]", "at least one of description, url or external_id"},
		{"external reference url not a string", edit(t, ap, "external_references", er(map[string]any{"source_name": "x", "url": 5})), "external_references[0].url", "must be a string"},
		{"external reference bad capec", edit(t, ap, "external_references", er(map[string]any{"source_name": "capec", "external_id": "163"})), "external_references[0].external_id", "must be a CAPEC id"},
		{"external reference bad cve", edit(t, ap, "external_references", er(map[string]any{"source_name": "cve", "external_id": "CVE-2016-12"})), "external_references[0].external_id", "must be a CVE id"},
		{"external reference good cve", edit(t, ap, "external_references", er(map[string]any{"source_name": "cve", "external_id": "CVE-2016-12345"})), "", ""},
		{"external reference hashes", edit(t, ap, "external_references", er(map[string]any{"source_name": "x", "url": "https://x", "hashes": map[string]string{"SHA-256": strings.Repeat("a", 63)}})), "external_references[0].hashes.SHA-256", "not a valid SHA-256 hash"},
		{"external references not objects", edit(t, ap, "external_references", []string{"x"}), "external_references[0]", "must be an object"},
		{"kill chain phase", edit(t, ap, "kill_chain_phases", er(map[string]any{"kill_chain_name": "lockheed-martin-cyber-kill-chain", "phase_name": "reconnaissance"})), "", ""},
		{"kill chain phase without phase_name", edit(t, ap, "kill_chain_phases", er(map[string]any{"kill_chain_name": "lm"})), "kill_chain_phases[0].phase_name", "required property is missing"},
		{"kill chain phase without kill_chain_name", edit(t, ap, "kill_chain_phases", er(map[string]any{"phase_name": "x"})), "kill_chain_phases[0].kill_chain_name", "required property is missing"},
		{"kill chain phase name a number", edit(t, ap, "kill_chain_phases", er(map[string]any{"kill_chain_name": "lm", "phase_name": 3})), "kill_chain_phases[0].phase_name", "must be a string"},
	}
}

func TestParseExternalReferencesAndKillChains(t *testing.T) {
	runParseCases(t, externalReferencesAndKillChainsCases(t))
}

func sDORulesCases(t testing.TB) []parseCase {
	m := minimal
	return []parseCase{
		{"indicator valid_until after valid_from", edit(t, m["indicator"], "valid_until", "2017-01-01T00:00:00Z"), "", ""},
		{"indicator valid_until equal", edit(t, m["indicator"], "valid_until", "2016-01-01T00:00:00.000Z"), "valid_until", "must be later than valid_from"},
		{"indicator valid_until before", edit(t, m["indicator"], "valid_until", "2015-01-01T00:00:00Z"), "valid_until", "must be later than valid_from"},
		{"indicator pattern not a string", edit(t, m["indicator"], "pattern", []string{"x"}), "pattern", "must be a string"},
		{"indicator bad valid_from", edit(t, m["indicator"], "valid_from", "yesterday"), "valid_from", `"yesterday" is not a valid timestamp`},
		{"campaign last_seen before first_seen", edit(t, m["campaign"], "first_seen", ts1, "last_seen", ts0), "last_seen", "must not be earlier than first_seen"},
		{"campaign last_seen equal", edit(t, m["campaign"], "first_seen", ts1, "last_seen", ts1), "", ""},
		{"intrusion-set last_seen before first_seen", edit(t, m["intrusion-set"], "first_seen", ts1, "last_seen", ts0), "last_seen", "must not be earlier"},
		{"threat-actor last_seen before first_seen", edit(t, m["threat-actor"], "first_seen", ts1, "last_seen", ts0), "last_seen", "must not be earlier"},
		{"infrastructure last_seen before first_seen", edit(t, m["infrastructure"], "first_seen", ts1, "last_seen", ts0), "last_seen", "must not be earlier"},
		{"malware last_seen before first_seen", edit(t, m["malware"], "first_seen", ts1, "last_seen", ts0), "last_seen", "must not be earlier"},
		{"location country", edit(t, m["location"], "region", nil, "country", "ca"), "", ""},
		{"location coordinates", edit(t, m["location"], "region", nil, "latitude", 48.8566, "longitude", 2.3522, "precision", 1000.0), "", ""},
		{"location nothing", edit(t, m["location"], "region", nil, "city", "Paris"), "", "at least one of region, country, or latitude and longitude"},
		{"location latitude alone", edit(t, m["location"], "latitude", 48.8), "longitude", "is required when latitude is present"},
		{"location longitude alone", edit(t, m["location"], "longitude", 2.3), "latitude", "is required when longitude is present"},
		{"location precision alone", edit(t, m["location"], "precision", 10), "latitude", "is required when precision is present"},
		{"location latitude out of range", edit(t, m["location"], "latitude", 91, "longitude", 0), "latitude", "out of range"},
		{"location longitude out of range", edit(t, m["location"], "latitude", 0, "longitude", -180.5), "longitude", "out of range"},
		{"location latitude a string", edit(t, m["location"], "latitude", "48", "longitude", 0), "latitude", "must be a number"},
		{"malware family needs a name", edit(t, m["malware"], "is_family", true), "name", "is required when is_family is true"},
		{"malware family with a name", edit(t, m["malware"], "is_family", true, "name", "Cryptolocker"), "", ""},
		{"malware is_family a string", edit(t, m["malware"], "is_family", "false"), "is_family", "must be true or false"},
		{"malware sample_refs", edit(t, m["malware"], "sample_refs", []string{idFile, idArtifact}), "", ""},
		{"malware sample_refs to an ip", edit(t, m["malware"], "sample_refs", []string{idIPv4}), "sample_refs[0]", "must reference an artifact or file"},
		{"malware operating_system_refs", edit(t, m["malware"], "operating_system_refs", []string{idFile}), "operating_system_refs[0]", "must reference a software"},
		{"malware-analysis analysis_sco_refs instead of result", edit(t, m["malware-analysis"], "result", nil, "analysis_sco_refs", []string{idFile}), "", ""},
		{"malware-analysis neither", edit(t, m["malware-analysis"], "result", nil), "", "at least one of result or analysis_sco_refs"},
		{"malware-analysis analysis_sco_refs to an SDO", edit(t, m["malware-analysis"], "analysis_sco_refs", []string{idIndic}), "analysis_sco_refs[0]", "must reference an SCO"},
		{"malware-analysis sample_ref", edit(t, m["malware-analysis"], "sample_ref", idNetwork), "", ""},
		{"malware-analysis sample_ref to a domain", edit(t, m["malware-analysis"], "sample_ref", "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5"), "sample_ref", "must reference a file, network-traffic or artifact"},
		{"malware-analysis host_vm_ref", edit(t, m["malware-analysis"], "host_vm_ref", idSoftware), "", ""},
		{"observed-data number_observed 0", edit(t, m["observed-data"], "number_observed", 0), "number_observed", "between 1 and 999999999"},
		{"observed-data number_observed too big", edit(t, m["observed-data"], "number_observed", 1000000000), "number_observed", "between 1 and 999999999"},
		{"observed-data number_observed max", edit(t, m["observed-data"], "number_observed", 999999999), "", ""},
		{"observed-data object_refs to an SDO", edit(t, m["observed-data"], "object_refs", []string{idIndic}), "object_refs[0]", "must reference an SCO or SRO"},
		{"observed-data object_refs to a custom SCO", edit(t, m["observed-data"], "object_refs", []string{"x-acme-thing--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}), "", ""},
		{"observed-data objects (deprecated)", edit(t, m["observed-data"], "object_refs", nil, "objects", map[string]any{"0": map[string]any{"type": "ipv4-addr", "value": "1.2.3.4"}}), "", ""},
		{"observed-data both", edit(t, m["observed-data"], "objects", map[string]any{"0": map[string]any{"type": "ipv4-addr", "value": "1.2.3.4"}}), "object_refs", "must not be present together with objects"},
		{"observed-data neither", edit(t, m["observed-data"], "object_refs", nil), "", "one of objects or object_refs is required"},
		{"observed-data objects without type", edit(t, m["observed-data"], "object_refs", nil, "objects", map[string]any{"0": map[string]any{"value": "1.2.3.4"}}), "objects.0", "must have a valid type"},
		{"observed-data last before first", edit(t, m["observed-data"], "last_observed", "2015-12-21T18:59:59Z"), "last_observed", "must not be earlier than first_observed"},
		{"opinion value", edit(t, m["opinion"], "opinion", "maybe"), "opinion", "must be one of strongly-disagree"},
		{"report without published", edit(t, m["report"], "published", nil), "published", "required property is missing"},
		{"report object_refs empty", edit(t, m["report"], "object_refs", []string{}), "object_refs", "must not be an empty list"},
		{"report object_refs to a bundle", edit(t, m["report"], "object_refs", []string{"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}), "object_refs[0]", "must reference a STIX object"},
		{"grouping object_refs not a list", edit(t, m["grouping"], "object_refs", idIndic), "object_refs", "non-empty list of identifiers"},
		{"identity name a number", edit(t, m["identity"], "name", 1), "name", "must be a string"},
		{"tool kill chain", edit(t, m["tool"], "kill_chain_phases", []map[string]string{{"kill_chain_name": "lm", "phase_name": "x"}}), "", ""},
	}
}

func TestParseSDORules(t *testing.T) {
	runParseCases(t, sDORulesCases(t))
}

func sRORulesCases(t testing.TB) []parseCase {
	rel, sig := minimal["relationship"], minimal["sighting"]
	return []parseCase{
		{"relationship to an SCO", edit(t, rel, "target_ref", idIPv4), "", ""},
		{"relationship to a custom object", edit(t, rel, "target_ref", "x-mitre-tactic--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"), "", ""},
		{"relationship from a relationship", edit(t, rel, "source_ref", "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad"), "source_ref", "must reference an SDO or SCO"},
		{"relationship to a marking", edit(t, rel, "target_ref", idMarking), "target_ref", "must reference an SDO or SCO"},
		{"relationship to a bundle", edit(t, rel, "target_ref", "bundle--44298a74-ba52-4f0c-87a3-1824e67d7fad"), "target_ref", "must reference an SDO or SCO"},
		{"relationship_type with capitals", edit(t, rel, "relationship_type", "Indicates"), "relationship_type", "not a valid relationship type"},
		{"relationship stop before start", edit(t, rel, "start_time", ts1, "stop_time", ts0), "stop_time", "must be later than start_time"},
		{"relationship stop equal start", edit(t, rel, "start_time", ts1, "stop_time", ts1), "stop_time", "must be later than start_time"},
		{"relationship stop after start", edit(t, rel, "start_time", ts0, "stop_time", ts1), "", ""},
		{"sighting of an SCO", edit(t, sig, "sighting_of_ref", idFile), "sighting_of_ref", "must reference an SDO"},
		{"sighting count", edit(t, sig, "count", 0), "", ""},
		{"sighting count negative", edit(t, sig, "count", -1), "count", "between 0 and 999999999"},
		{"sighting where_sighted_refs", edit(t, sig, "where_sighted_refs", []string{idIdentity, "location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64"}), "", ""},
		{"sighting where_sighted_refs to malware", edit(t, sig, "where_sighted_refs", []string{idMalware}), "where_sighted_refs[0]", "must reference an identity or location"},
		{"sighting observed_data_refs", edit(t, sig, "observed_data_refs", []string{idObserved}), "", ""},
		{"sighting observed_data_refs to a file", edit(t, sig, "observed_data_refs", []string{idFile}), "observed_data_refs[0]", "must reference an observed-data"},
		{"sighting last_seen equal first_seen", edit(t, sig, "first_seen", ts0, "last_seen", ts0), "", ""},
		{"sighting last_seen before first_seen", edit(t, sig, "first_seen", ts1, "last_seen", ts0), "last_seen", "must not be earlier than first_seen"},
		{"sighting summary a string", edit(t, sig, "summary", "false"), "summary", "must be true or false"},
	}
}

func TestParseSRORules(t *testing.T) {
	runParseCases(t, sRORulesCases(t))
}

func sCORulesCases(t testing.TB) []parseCase {
	m := minimal
	sha256 := "effb46bba03f6c8aea5c653f9cf984f170dcdd3bbbe2ff6843c3e5da0e698766"
	return []parseCase{
		{"artifact url with hashes", edit(t, m["artifact"], "payload_bin", nil, "url", "https://x/a.bin", "hashes", map[string]string{"SHA-256": sha256}), "", ""},
		{"artifact url without hashes", edit(t, m["artifact"], "payload_bin", nil, "url", "https://x/a.bin"), "hashes", "is required when url is present"},
		{"artifact both", edit(t, m["artifact"], "url", "https://x/a.bin", "hashes", map[string]string{"SHA-256": sha256}), "url", "must not be present together with payload_bin"},
		{"artifact neither", edit(t, m["artifact"], "payload_bin", nil), "", "one of payload_bin or url is required"},
		{"artifact payload not base64", edit(t, m["artifact"], "payload_bin", "not base64!"), "payload_bin", "base64"},
		{"artifact key without algorithm", edit(t, m["artifact"], "decryption_key", "secret"), "encryption_algorithm", "is required when decryption_key is present"},
		{"artifact unknown algorithm", edit(t, m["artifact"], "encryption_algorithm", "ROT13"), "encryption_algorithm", "must be one of AES-256-GCM"},
		{"autonomous-system number a string", edit(t, m["autonomous-system"], "number", "15139"), "number", "must be an integer"},
		{"autonomous-system number too big", edit(t, m["autonomous-system"], "number", 1e300), "number", "must be an integer"},
		{"directory contains_refs", edit(t, m["directory"], "contains_refs", []string{idFile}), "", ""},
		{"directory contains_refs to an ip", edit(t, m["directory"], "contains_refs", []string{idIPv4}), "contains_refs[0]", "must reference a file or directory"},
		{"domain-name resolves_to_refs", edit(t, m["domain-name"], "resolves_to_refs", []string{idIPv4}), "", ""},
		{"email-addr belongs_to_ref to a file", edit(t, m["email-addr"], "belongs_to_ref", idFile), "belongs_to_ref", "must reference a user-account"},
		{"email-message body", edit(t, m["email-message"], "body", "Hello"), "", ""},
		{"email-message multipart with body", edit(t, m["email-message"], "is_multipart", true, "body", "Hello"), "body", "must not be present when is_multipart is true"},
		{"email-message single part with parts", edit(t, m["email-message"], "body_multipart", []map[string]any{{"body": "x"}}), "body_multipart", "must not be present when is_multipart is false"},
		{"email-message parts", edit(t, m["email-message"], "is_multipart", true, "body_multipart", []map[string]any{{"body": "x", "content_type": "text/plain"}, {"body_raw_ref": idFile}}), "", ""},
		{"email-message empty part", edit(t, m["email-message"], "is_multipart", true, "body_multipart", []map[string]any{{"content_type": "text/plain"}}), "body_multipart[0]", "at least one of body or body_raw_ref"},
		{"email-message part ref to an ip", edit(t, m["email-message"], "is_multipart", true, "body_multipart", []map[string]any{{"body_raw_ref": idIPv4}}), "body_multipart[0].body_raw_ref", "must reference an artifact or file"},
		{"email-message from_ref", edit(t, m["email-message"], "from_ref", idEmail, "to_refs", []string{idEmail}), "", ""},
		{"email-message to_refs to a file", edit(t, m["email-message"], "to_refs", []string{idFile}), "to_refs[0]", "must reference an email-addr"},
		{"email-message header fields", edit(t, m["email-message"], "additional_header_fields", map[string]any{"X-Mailer": "Mutt", "Reply-To": []string{"a", "b"}}), "", ""},
		{"email-message header field with a space", edit(t, m["email-message"], "additional_header_fields", map[string]any{"X Mailer": "Mutt"}), "additional_header_fields", `key "X Mailer" is not valid`},
		{"email-message header fields empty", edit(t, m["email-message"], "additional_header_fields", map[string]any{}), "additional_header_fields", "non-empty dictionary"},
		{"file hashes only", edit(t, m["file"], "name", nil, "hashes", map[string]string{"SHA-256": sha256, "x_acme_hash": "abc"}), "", ""},
		{"file neither name nor hashes", edit(t, m["file"], "name", nil, "size", 1), "", "at least one of hashes or name"},
		{"file bad MD5", edit(t, m["file"], "hashes", map[string]string{"MD5": "123"}), "hashes.MD5", "not a valid MD5 hash"},
		{"file TLSH with T1", edit(t, m["file"], "hashes", map[string]string{"TLSH": "T1" + strings.Repeat("A", 70)}), "", ""},
		{"file short hash name", edit(t, m["file"], "hashes", map[string]string{"md": "123"}), "hashes", "hash algorithm \"md\" is not valid"},
		{"file hashes empty", edit(t, m["file"], "hashes", map[string]string{}), "hashes", "non-empty dictionary"},
		{"file hash a number", edit(t, m["file"], "hashes", map[string]any{"SHA-256": 1}), "hashes.SHA-256", "must be a string"},
		{"file size negative", edit(t, m["file"], "size", -1), "size", "out of range"},
		{"file magic number", edit(t, m["file"], "magic_number_hex", "ffd8"), "", ""},
		{"file magic number upper case", edit(t, m["file"], "magic_number_hex", "FFD8"), "magic_number_hex", "hexadecimal"},
		{"file magic number odd", edit(t, m["file"], "magic_number_hex", "ffd"), "magic_number_hex", "hexadecimal"},
		{"file parent_directory_ref to a file", edit(t, m["file"], "parent_directory_ref", idFile), "parent_directory_ref", "must reference a directory"},
		{"file ntfs-ext", edit(t, m["file"], "extensions", map[string]any{"ntfs-ext": map[string]any{"sid": "1234567"}}), "", ""},
		{"file ntfs-ext empty", edit(t, m["file"], "extensions", map[string]any{"ntfs-ext": map[string]any{}}), "extensions.ntfs-ext", "must be a non-empty object"},
		{"file ntfs-ext without its properties", edit(t, m["file"], "extensions", map[string]any{"ntfs-ext": map[string]any{"x_foo": 1}}), "extensions.ntfs-ext", "at least one of sid or alternate_data_streams"},
		{"file archive-ext without contains_refs", edit(t, m["file"], "extensions", map[string]any{"archive-ext": map[string]any{"comment": "x"}}), "extensions.archive-ext.contains_refs", "required property is missing"},
		{"file pebinary", edit(t, m["file"], "extensions", map[string]any{"windows-pebinary-ext": map[string]any{"pe_type": "exe", "machine_hex": "014c", "sections": []map[string]any{{"name": ".text", "entropy": 6.5}}, "optional_header": map[string]any{"magic_hex": "010b", "size_of_code": 1024}}}), "", ""},
		{"file pebinary section without name", edit(t, m["file"], "extensions", map[string]any{"windows-pebinary-ext": map[string]any{"pe_type": "exe", "sections": []map[string]any{{"size": 1}}}}), "extensions.windows-pebinary-ext.sections[0].name", "required property is missing"},
		{"file extension of another type", edit(t, m["file"], "extensions", map[string]any{"tcp-ext": map[string]any{"src_flags_hex": "00"}}), "extensions.tcp-ext", "predefined extension of network-traffic objects only"},
		{"file custom extension", edit(t, m["file"], "extensions", map[string]any{"x-example-com-foo": map[string]any{"foo_val": "foo"}}), "", ""},
		{"ipv4 CIDR", edit(t, m["ipv4-addr"], "value", "198.51.100.0/24"), "", ""},
		{"ipv4 invalid", edit(t, m["ipv4-addr"], "value", "198.51.100.256"), "value", "not an IPv4 address or CIDR block"},
		{"ipv4 given an ipv6", edit(t, m["ipv4-addr"], "value", "2001:db8::1"), "value", "not an IPv4 address"},
		{"ipv4 defanged", edit(t, m["ipv4-addr"], "value", "198.51.100[.]1", "defanged", true), "", ""},
		{"ipv4 resolves_to_refs", edit(t, m["ipv4-addr"], "resolves_to_refs", []string{"mac-addr--65cfcf98-8a6e-5a1b-8f61-379ac4f92d00"}), "", ""},
		{"ipv4 belongs_to_refs to a file", edit(t, m["ipv4-addr"], "belongs_to_refs", []string{idFile}), "belongs_to_refs[0]", "must reference an autonomous-system"},
		{"ipv6 CIDR", edit(t, m["ipv6-addr"], "value", "2001:db8::/32"), "", ""},
		{"ipv6 invalid", edit(t, m["ipv6-addr"], "value", "2001:db8:::1"), "value", "not an IPv6 address"},
		{"mac upper case", edit(t, m["mac-addr"], "value", "D2:FB:49:24:37:18"), "value", "lower-case MAC-48"},
		{"network-traffic dst only", edit(t, m["network-traffic"], "src_ref", nil, "dst_ref", idIPv4), "", ""},
		{"network-traffic no endpoints", edit(t, m["network-traffic"], "src_ref", nil), "", "at least one of src_ref or dst_ref"},
		{"network-traffic no protocols", edit(t, m["network-traffic"], "protocols", nil), "protocols", "required property is missing"},
		{"network-traffic port too big", edit(t, m["network-traffic"], "dst_port", 65536), "dst_port", "between 0 and 65535"},
		{"network-traffic src_ref to a file", edit(t, m["network-traffic"], "src_ref", idFile), "src_ref", "must reference an ipv4-addr, ipv6-addr, mac-addr or domain-name"},
		{"network-traffic active with end", edit(t, m["network-traffic"], "is_active", true, "end", ts1), "end", "must not be present when is_active is true"},
		{"network-traffic end before start", edit(t, m["network-traffic"], "start", ts1, "end", ts0), "end", "must not be earlier than start"},
		{"network-traffic http-request-ext", edit(t, m["network-traffic"], "extensions", map[string]any{"http-request-ext": map[string]any{"request_method": "get", "request_value": "/download.html", "request_header": map[string]any{"Host": "www.example.com"}}}), "", ""},
		{"network-traffic http-request-ext incomplete", edit(t, m["network-traffic"], "extensions", map[string]any{"http-request-ext": map[string]any{"request_method": "get"}}), "extensions.http-request-ext.request_value", "required property is missing"},
		{"network-traffic socket-ext family", edit(t, m["network-traffic"], "extensions", map[string]any{"socket-ext": map[string]any{"address_family": "AF_MARS"}}), "extensions.socket-ext.address_family", "must be one of AF_UNSPEC"},
		{"network-traffic icmp-ext", edit(t, m["network-traffic"], "extensions", map[string]any{"icmp-ext": map[string]any{"icmp_type_hex": "08", "icmp_code_hex": "00"}}), "", ""},
		{"process nothing but type and id", scoBase("process", "f52a906a-0dfc-40bd-92f1-e7778ead38a9", ""), "", "at least one of is_hidden"},
		{"process windows-process-ext only", edit(t, m["process"], "pid", nil, "extensions", map[string]any{"windows-process-ext": map[string]any{"aslr_enabled": true}}), "", ""},
		{"process windows-service-ext status", edit(t, m["process"], "extensions", map[string]any{"windows-service-ext": map[string]any{"service_status": "SERVICE_DANCING"}}), "extensions.windows-service-ext.service_status", "must be one of"},
		{"process parent_ref to a file", edit(t, m["process"], "parent_ref", idFile), "parent_ref", "must reference a process"},
		{"user-account unix-account-ext", edit(t, m["user-account"], "extensions", map[string]any{"unix-account-ext": map[string]any{"gid": 1001, "groups": []string{"wheel"}}}), "", ""},
		{"user-account bad timestamp", edit(t, m["user-account"], "account_created", "2016-01-20"), "account_created", "not a valid timestamp"},
		{"registry values", edit(t, m["windows-registry-key"], "values", []map[string]any{{"name": "Foo", "data": "qwerty", "data_type": "REG_SZ"}}), "", ""},
		{"registry value type", edit(t, m["windows-registry-key"], "values", []map[string]any{{"name": "Foo", "data_type": "REG_FOO"}}), "values[0].data_type", "must be one of REG_NONE"},
		{"x509 nothing", scoBase("x509-certificate", "463d7b2a-8516-5a50-a3d7-6f801465d5de", ""), "", "at least one of is_self_signed"},
		{"x509 v3 extensions", edit(t, m["x509-certificate"], "x509_v3_extensions", map[string]any{"basic_constraints": "critical,CA:TRUE", "private_key_usage_period_not_before": "2016-03-12T12:00:00Z"}), "", ""},
		{"x509 v3 extension bad timestamp", edit(t, m["x509-certificate"], "x509_v3_extensions", map[string]any{"private_key_usage_period_not_after": "soon"}), "x509_v3_extensions.private_key_usage_period_not_after", "not a valid timestamp"},
		{"SCO with created and modified", edit(t, m["file"], "created", ts0, "modified", ts1), "", ""},
	}
}

func TestParseSCORules(t *testing.T) {
	runParseCases(t, sCORulesCases(t))
}

func metaObjectsCases(t testing.TB) []parseCase {
	md, lc, ed := minimal["marking-definition"], minimal["language-content"], minimal["extension-definition"]
	return []parseCase{
		{"TLP 1.0 white", tlp1Doc, "", ""},
		{"TLP 2.0 clear", tlp2Doc, "", ""},
		{"policyDoc marking", policyDoc, "", ""},
		{"marking with modified is accepted", edit(t, md, "modified", "2016-08-01T00:00:00.000Z"), "", ""},
		{"marking with revoked", edit(t, md, "revoked", false), "revoked", "not allowed on marking-definition objects"},
		{"marking with labels", edit(t, md, "labels", []string{"x"}), "labels", "not allowed on marking-definition objects"},
		{"marking without spec_version", edit(t, md, "spec_version", nil), "spec_version", "STIX 2.0"},
		{"marking without created", edit(t, md, "created", nil), "created", "required property is missing"},
		{"marking without definition nor extensions", edit(t, md, "definition", nil, "definition_type", nil), "definition_type", "is required when extensions is absent"},
		{"marking definition without type", edit(t, md, "definition_type", nil), "definition_type", "is required when definition is present"},
		{"marking type without definition", edit(t, md, "definition", nil), "definition", "is required when definition_type is present"},
		{"statement without statement", edit(t, md, "definition", map[string]any{"text": "x"}), "definition.statement", "required and must be a string"},
		{"definition not an object", edit(t, md, "definition", "x"), "definition", "must be an object"},
		{"counterfeit TLP 1.0", strings.Replace(tlp1Doc, TLP1WhiteID, "marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd", 1), "definition_type", "tlp is reserved"},
		{"TLP 1.0 id with another level", strings.Replace(tlp1Doc, `"tlp":"white"`, `"tlp":"red"`, 1), "definition_type", "tlp is reserved"},
		{"counterfeit TLP 2.0", strings.Replace(tlp2Doc, TLPClearID, "marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd", 1), "extensions." + TLP2ExtensionID, "reserved to the five TLP 2.0 marking definitions"},
		{"TLP 2.0 id with another level", strings.Replace(tlp2Doc, `"tlp_2_0":"clear"`, `"tlp_2_0":"red"`, 1), "extensions." + TLP2ExtensionID, "reserved"},
		{"marking marking itself", edit(t, md, "object_marking_refs", []string{"marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd"}), "object_marking_refs", "must not mark itself"},
		{"language-content", lc, "", ""},
		{"language-content key not a language", edit(t, lc, "contents", map[string]any{"german!": map[string]any{"name": "x"}}), "contents", "not an RFC 5646 language tag"},
		{"language-content translation not an object", edit(t, lc, "contents", map[string]any{"de": "x"}), "contents.de", "non-empty dictionary"},
		{"language-content of a language-content", edit(t, lc, "object_ref", "language-content--b86b3482-953e-4401-a9a1-a4a15ffd2fe0"), "object_ref", "must reference an object other than a language-content"},
		{"language-content with lang", edit(t, lc, "lang", "en"), "lang", "not allowed on language-content objects"},
		{"extension-definition", ed, "", ""},
		{"extension-definition without created_by_ref", edit(t, ed, "created_by_ref", nil), "created_by_ref", "required property is missing"},
		{"extension-definition bad type", edit(t, ed, "extension_types", []string{"new-thing"}), "extension_types[0]", "must be one of new-sdo"},
		{"extension-definition extension_properties without toplevel", edit(t, ed, "extension_properties", []string{"rank"}), "extension_properties", "only allowed when extension_types includes toplevel-property-extension"},
		{"extension-definition extension_properties with toplevel", edit(t, ed, "extension_types", []string{"toplevel-property-extension"}, "extension_properties", []string{"rank"}), "", ""},
		{"extension-definition with extensions", edit(t, ed, "extensions", map[string]any{idExtDef: map[string]any{"extension_type": "property-extension", "x": 1}})[:0] + edit(t, ed, "extensions", map[string]any{idExtDef: map[string]any{"extension_type": "property-extension", "rank": 1}}), "extensions", "not allowed on extension-definition objects"},
	}
}

func TestParseMetaObjects(t *testing.T) {
	runParseCases(t, metaObjectsCases(t))
	o, err := Parse([]byte(tlp1Doc))
	if err != nil {
		t.Fatal(err)
	}
	if o.Kind != KindMeta || o.DefinitionType != "tlp" || string(o.Definition) != `{"tlp":"white"}` || o.Name != "TLP:WHITE" || o.Version() != "2017-01-20T00:00:00.000Z" {
		t.Errorf("TLP 1.0 white = kind %v definition %q %s name %q version %q", o.Kind, o.DefinitionType, o.Definition, o.Name, o.Version())
	}
	o, err = Parse([]byte(policyDoc))
	if err != nil {
		t.Fatal(err)
	}
	if ext := o.Extensions[PolicyExtensionID]; !strings.Contains(string(ext), `"caveats":["no-foreign"]`) {
		t.Errorf("policyDoc extension = %s", ext)
	}
}

func TestParseIndicatorPattern(t *testing.T) {
	for _, tc := range []struct{ name, doc, pattern, patternType string }{
		{"plain", minimal["indicator"], "[ipv4-addr:value = '198.51.100.1']", "stix"},
		{"escaped", edit(t, minimal["indicator"], "pattern", "[file:name = 'a\\'b\"']", "pattern_type", "sigma"), "[file:name = 'a\\'b\"']", "sigma"},
		{"not an indicator", minimal["malware"], "", ""},
	} {
		o, err := Parse([]byte(tc.doc))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if o.Pattern != tc.pattern || o.PatternType != tc.patternType {
			t.Errorf("%s: pattern %q type %q, want %q %q", tc.name, o.Pattern, o.PatternType, tc.pattern, tc.patternType)
		}
	}
}

func extensionsAndCustomObjectsCases(t testing.TB) []parseCase {
	ind := minimal["indicator"]
	ext := func(k string, v any) map[string]any { return map[string]any{k: v} }
	return []parseCase{
		{"property extension", edit(t, ind, "extensions", ext(idExtDef, map[string]any{"extension_type": "property-extension", "rank": 5, "toxicity": 8})), "", ""},
		{"toplevel property extension", edit(t, ind, "rank", 1, "extensions", ext(idExtDef, map[string]any{"extension_type": "toplevel-property-extension"})), "", ""},
		{"extension without extension_type", edit(t, ind, "extensions", ext(idExtDef, map[string]any{"rank": 5})), "extensions." + idExtDef + ".extension_type", "is required"},
		{"extension with a bad extension_type", edit(t, ind, "extensions", ext(idExtDef, map[string]any{"extension_type": "plugin"})), "extensions." + idExtDef + ".extension_type", "must be one of"},
		{"extension with a bad property name", edit(t, ind, "extensions", ext(idExtDef, map[string]any{"extension_type": "property-extension", "a b": 1})), "extensions." + idExtDef + `."a b"`, "not a valid property name"},
		{"extension with a null property", edit(t, ind, "extensions", ext(idExtDef, map[string]any{"extension_type": "property-extension", "rank": nil})), "extensions." + idExtDef + ".rank", "must not be null"},
		{"extension key not an id", edit(t, ind, "extensions", ext("extension-definition--1", map[string]any{"extension_type": "property-extension"})), `extensions."extension-definition--1"`, "not a valid extension-definition id"},
		{"extension key of another kind", edit(t, ind, "extensions", ext("My Extension", map[string]any{"a": 1})), `extensions."My Extension"`, "not an extension-definition id"},
		{"extension value not an object", edit(t, ind, "extensions", ext(idExtDef, "x")), "extensions." + idExtDef, "must be a non-empty object"},
		{"extensions empty", edit(t, ind, "extensions", map[string]any{}), "extensions", "must be a non-empty dictionary"},
		{"custom extension on an SDO", edit(t, ind, "extensions", ext("x-acme-ext", map[string]any{"a": 1})), "extensions.x-acme-ext", "only allowed on SCOs"},
		{"predefined extension on an SDO", edit(t, ind, "extensions", ext("ntfs-ext", map[string]any{"sid": "1"})), "extensions.ntfs-ext", "predefined extension of file objects only"},
		{"new SDO type", newSDODoc, "", ""},
		{"new SCO type", newSCODoc, "", ""},
		{"new SRO type", newSRODoc, "", ""},
		{"new SDO type without modified", edit(t, newSDODoc, "modified", nil), "modified", "required property is missing"},
		{"new type without its extension", edit(t, newSCODoc, "extensions", nil), "type", `unknown object type "my-favorite-sco"`},
		{"new type with a property extension only", edit(t, newSCODoc, "extensions", ext(idExtDef, map[string]any{"extension_type": "property-extension", "a_b": 1})), "type", "unknown object type"},
		{"custom SDO", customSDODoc, "", ""},
		{"custom SCO", customSCODoc, "", ""},
		{"custom SDO without spec_version", edit(t, customSDODoc, "spec_version", nil), "spec_version", "required property is missing"},
		{"custom SDO without modified", edit(t, customSDODoc, "modified", nil), "modified", "required property is missing"},
		{"custom SCO with a custom extension", edit(t, customSCODoc, "extensions", ext("x-acme-ext", map[string]any{"a_b": 1})), "", ""},
	}
}

func TestParseExtensionsAndCustomObjects(t *testing.T) {
	runParseCases(t, extensionsAndCustomObjectsCases(t))
	kinds := map[string]Kind{newSDODoc: KindSDO, newSCODoc: KindSCO, newSRODoc: KindSRO, customSDODoc: KindSDO, customSCODoc: KindSCO}
	for doc, want := range kinds {
		o, err := Parse([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if o.Kind != want {
			t.Errorf("kind of %s = %v, want %v", o.Type, o.Kind, want)
		}
	}
}

func TestParseFillsObject(t *testing.T) {
	doc := edit(t, minimal["indicator"], "created_by_ref", idIdentity, "revoked", true,
		"modified", "2016-05-01T00:00:00.1000Z",
		"object_marking_refs", []string{TLPAmberID},
		"extensions", map[string]any{idExtDef: map[string]any{"extension_type": "property-extension", "rank": 5}})
	o, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%s|%s|%s|%v|%s|%s|%v|%s|%v", o.Type, o.ID, o.SpecVersion, o.Kind, o.Created, o.Modified, o.Revoked, o.CreatedByRef, o.ObjectMarkingRefs)
	want := fmt.Sprintf("indicator|%s|2.1|SDO|%s|2016-05-01T00:00:00.1000Z|true|%s|[%s]", idIndic, ts0, idIdentity, TLPAmberID)
	if got != want {
		t.Errorf("object = %s\nwant     %s", got, want)
	}
	if o.Version() != "2016-05-01T00:00:00.1000Z" {
		t.Errorf("Version = %q, want modified as submitted", o.Version())
	}
	if e := string(o.Extensions[idExtDef]); e != `{"extension_type":"property-extension","rank":5}` {
		t.Errorf("extension = %s", e)
	}
	if &o.Raw[0] != &[]byte(doc)[0] && string(o.Raw) != doc {
		t.Errorf("Raw = %s, want the input", o.Raw)
	}
	sco, err := Parse([]byte(minimal["file"]))
	if err != nil {
		t.Fatal(err)
	}
	if sco.Version() != "" || sco.SpecVersion != "2.1" || sco.Kind != KindSCO {
		t.Errorf("file: version %q spec %q kind %v, want \"\" 2.1 SCO", sco.Version(), sco.SpecVersion, sco.Kind)
	}
}

func TestParseKeepsRawBytes(t *testing.T) {
	in := []byte("{ \"type\": \"indicator\" ,\"spec_version\":\"2.1\",\"id\":\"" + idIndic + "\",\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2016-04-06T20:03:48.000Z\",\"pattern\":\"[ipv4-addr:value = '198.51.100.1']\",\"pattern_type\":\"stix\",\"valid_from\":\"2016-01-01T00:00:00.123456789Z\", \"name\": \"caf\\u00e9\" }")
	o, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	if &o.Raw[0] != &in[0] || len(o.Raw) != len(in) {
		t.Errorf("Raw is not the slice given to Parse")
	}
}

func TestParseWithLimits(t *testing.T) {
	doc := []byte(minimal["indicator"])
	if _, err := ParseWith(doc, Options{MaxObjectBytes: len(doc)}); err != nil {
		t.Errorf("at the size limit: %v", err)
	}
	if _, err := ParseWith(doc, Options{MaxObjectBytes: len(doc) - 1}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("over the size limit: %v, want an error", err)
	}
	nested := []byte(strings.Replace(minimal["indicator"], `}`, `,"x_n":{"a":{"b":{}}}}`, 1)) // 4 levels
	if _, err := ParseWith(nested, Options{MaxDepth: 4}); err != nil {
		t.Errorf("MaxDepth 4, 4 levels: %v", err)
	}
	if _, err := ParseWith(nested, Options{MaxDepth: 3}); err == nil {
		t.Errorf("MaxDepth 3, 4 levels: accepted")
	}
}

func TestErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{ID: idIndic, Property: "pattern", Reason: "required property is missing"}, idIndic + ": pattern: required property is missing"},
		{Error{Reason: "not a JSON object"}, "object: not a JSON object"},
		{Error{ID: idIndic, Reason: "x"}, idIndic + ": x"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
	e := &Error{ID: idIndic, Property: "pattern", Reason: "required property is missing"}
	if firebreak.ErrorCode(e) != firebreak.EINVALID || firebreak.ErrorMessage(e) != e.Error() {
		t.Errorf("ErrorCode/ErrorMessage = %q %q", firebreak.ErrorCode(e), firebreak.ErrorMessage(e))
	}
}

func TestKindTablesAgree(t *testing.T) {
	var a, b []string
	for k := range kindOf {
		a = append(a, k)
	}
	for k, s := range typeSpecs {
		b = append(b, k)
		if kindOf[k] != s.kind {
			t.Errorf("%s: kindOf %v, typeSpecs %v", k, kindOf[k], s.kind)
		}
	}
	sort.Strings(a)
	sort.Strings(b)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("kindOf and typeSpecs list different types:\n%v\n%v", a, b)
	}
}

// allParseCases are the cases of every table above.
func allParseCases(t testing.TB) []parseCase {
	var all []parseCase
	for _, f := range []func(testing.TB) []parseCase{
		jSONLevelCases, commonPropertiesCases, markingsCases, externalReferencesAndKillChainsCases, sDORulesCases, sRORulesCases, sCORulesCases, metaObjectsCases, extensionsAndCustomObjectsCases,
	} {
		all = append(all, f(t)...)
	}
	return all
}

// TestManySelectorsIntoALargeList would take minutes if each selector rescanned the list.
func TestManySelectorsIntoALargeList(t *testing.T) {
	const n = 20000
	labels := make([]string, n)
	selectors := make([]string, n)
	for i := range labels {
		labels[i] = "l"
		selectors[i] = fmt.Sprintf("labels.[%d]", i)
	}
	doc := edit(t, minimal["indicator"], "labels", labels,
		"granular_markings", []map[string]any{{"selectors": selectors, "marking_ref": TLPRedID}})
	o, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(o.GranularMarkings[0].Selectors); got != n {
		t.Errorf("%d selectors, want %d", got, n)
	}
}

func TestManyKeys(t *testing.T) {
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(minimal["indicator"], "}"))
	for i := 0; i < 100000; i++ {
		fmt.Fprintf(&b, `,"x_k%d":1`, i)
	}
	b.WriteString("}")
	if _, err := Parse([]byte(b.String())); err != nil {
		t.Fatal(err)
	}
	dup := strings.TrimSuffix(b.String(), "}") + `,"x_k50000":2}`
	if _, err := Parse([]byte(dup)); err == nil || !strings.Contains(err.Error(), `duplicate key "x_k50000"`) {
		t.Errorf("duplicate among 100000 keys: %v", err)
	}
}
