package taxii

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak/firebreak"
	"github.com/firebreak/firebreak/internal/stix"
)

// Endpoint names the TAXII endpoints that take query parameters; each takes its own set.
type Endpoint int

// The endpoints with query parameters.
const (
	EndpointObjects  Endpoint = iota // GET …/objects/
	EndpointManifest                 // GET …/manifest/
	EndpointObject                   // GET …/objects/{id}/
	EndpointVersions                 // GET …/objects/{id}/versions/
	EndpointDelete                   // DELETE …/objects/{id}/
)

const (
	pAddedAfter  = 1 << iota
	pLimit       // limit
	pNext        // next
	pID          // match[id]
	pType        // match[type]
	pVersion     // match[version]
	pSpecVersion // match[spec_version]
)

var endpointParams = map[Endpoint]int{
	EndpointObjects:  pAddedAfter | pLimit | pNext | pID | pType | pVersion | pSpecVersion,
	EndpointManifest: pAddedAfter | pLimit | pNext | pID | pType | pVersion | pSpecVersion,
	EndpointObject:   pAddedAfter | pLimit | pNext | pVersion | pSpecVersion,
	EndpointVersions: pAddedAfter | pLimit | pNext | pSpecVersion,
	EndpointDelete:   pVersion | pSpecVersion,
}

// Limits bound what a query may ask for.
type Limits struct {
	// DefaultPage is the page size when the client gives no limit; MaxPage caps limit.
	DefaultPage, MaxPage int
	// MaxValues caps the comma-separated values of one match[] parameter.
	MaxValues int
}

// DefaultLimits are the limits the server uses unless configured otherwise.
var DefaultLimits = Limits{DefaultPage: 1000, MaxPage: 10000, MaxValues: 100}

// ParseQuery reads the query parameters of a request to endpoint e into a filter. Known
// parameters with bad values are errors (EINVALID, with a message that names the
// parameter); parameters the endpoint does not take are ignored, as TAXII asks of servers
// that do not support a filter. A client's limit above MaxPage is lowered to it. A `next`
// token is opened with cur, the cursors of the caller and collection the request is for;
// the zero Cursors refuses every token.
func ParseQuery(q url.Values, e Endpoint, lim Limits, cur Cursors) (firebreak.ObjectFilter, error) {
	var f firebreak.ObjectFilter
	allowed := endpointParams[e]
	f.Limit = lim.DefaultPage
	if allowed&pLimit != 0 {
		if v, ok, err := single(q, "limit"); err != nil {
			return f, err
		} else if ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return f, firebreak.Errorf(firebreak.EINVALID, "limit: %q is not a positive integer", clip(v))
			}
			f.Limit = min(n, lim.MaxPage)
		}
	}
	if allowed&pAddedAfter != 0 {
		if v, ok, err := single(q, "added_after"); err != nil {
			return f, err
		} else if ok {
			t, err := ParseTimestamp(v)
			if err != nil {
				return f, firebreak.Errorf(firebreak.EINVALID, "added_after: %q is not an RFC 3339 UTC timestamp", clip(v))
			}
			f.AddedAfter = t
		}
	}
	if allowed&pNext != 0 {
		if v, ok, err := single(q, "next"); err != nil {
			return f, err
		} else if ok {
			c, err := cur.Decode(v)
			if err != nil {
				return f, err
			}
			f.After = c
		}
	}
	var err error
	if allowed&pID != 0 {
		if f.IDs, err = list(q, "match[id]", lim, stix.ValidID); err != nil {
			return f, err
		}
	}
	if allowed&pType != 0 {
		if f.Types, err = list(q, "match[type]", lim, stix.ValidType); err != nil {
			return f, err
		}
	}
	if allowed&pSpecVersion != 0 {
		if f.SpecVersions, err = list(q, "match[spec_version]", lim, validSpecVersion); err != nil {
			return f, err
		}
	}
	if allowed&pVersion != 0 {
		vs, err := list(q, "match[version]", lim, nil)
		if err != nil {
			return f, err
		}
		for _, v := range vs {
			switch v {
			case "first":
				f.Versions.First = true
			case "last":
				f.Versions.Last = true
			case "all":
				f.Versions.All = true
			default:
				t, err := ParseTimestamp(v)
				if err != nil {
					return f, firebreak.Errorf(firebreak.EINVALID, "match[version]: %q is not first, last, all or an RFC 3339 UTC timestamp", clip(v))
				}
				f.Versions.At = append(f.Versions.At, VersionKeyOf(t))
			}
		}
	}
	return f, nil
}

// single returns the one value of a parameter; a repeated parameter is an error because
// its meaning would depend on which copy a component reads.
func single(q url.Values, name string) (string, bool, error) {
	vs, ok := q[name]
	if !ok {
		return "", false, nil
	}
	if len(vs) != 1 {
		return "", false, firebreak.Errorf(firebreak.EINVALID, "%s: given %d times; give it once", name, len(vs))
	}
	return vs[0], true, nil
}

// list returns the comma-separated values of a match[] parameter (repeats are joined).
func list(q url.Values, name string, lim Limits, valid func(string) bool) ([]string, error) {
	var out []string
	for _, raw := range q[name] {
		for _, v := range strings.Split(raw, ",") {
			v = strings.TrimSpace(v)
			if v == "" {
				return nil, firebreak.Errorf(firebreak.EINVALID, "%s: empty value", name)
			}
			if valid != nil && !valid(v) {
				return nil, firebreak.Errorf(firebreak.EINVALID, "%s: %q is not valid", name, clip(v))
			}
			out = append(out, v)
			if len(out) > lim.MaxValues {
				return nil, firebreak.Errorf(firebreak.EINVALID, "%s: more than %d values", name, lim.MaxValues)
			}
		}
	}
	return out, nil
}

func validSpecVersion(s string) bool {
	if len(s) > 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || c == '.') {
			return false
		}
	}
	return s != ""
}

// clip shortens a client-supplied value before it is echoed in an error.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// ParseTimestamp reads an RFC 3339 timestamp in UTC ("Z"), with at most nine fraction
// digits, as TAXII and STIX require.
func ParseTimestamp(s string) (time.Time, error) {
	if len(s) < 20 || len(s) > 30 || s[len(s)-1] != 'Z' || s[10] != 'T' {
		return time.Time{}, firebreak.Errorf(firebreak.EINVALID, "%q is not an RFC 3339 UTC timestamp", clip(s))
	}
	if dot := strings.IndexByte(s, '.'); dot >= 0 && (dot != 19 || len(s)-dot-2 > 9 || len(s)-dot-2 < 1) {
		return time.Time{}, firebreak.Errorf(firebreak.EINVALID, "%q is not an RFC 3339 UTC timestamp", clip(s))
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, firebreak.Errorf(firebreak.EINVALID, "%q is not an RFC 3339 UTC timestamp", clip(s))
	}
	return t.UTC(), nil
}

// VersionKeyOf renders t as a version key: fixed width, nine fraction digits, so that keys
// sort as the instants they stand for.
func VersionKeyOf(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
}
