package stix

// versionKeyLen is the length of a version key.
const versionKeyLen = len("2006-01-02T15:04:05.000000000Z")

// parseTimestamp checks that s is an RFC 3339 timestamp in UTC as STIX requires
// (YYYY-MM-DDTHH:mm:ss[.s+]Z, at most nine fraction digits, a real calendar date, no leap
// second) and returns the number of fraction digits. On failure it returns a reason.
//
// Nine digits is the limit because the hub orders versions by a nanosecond key (see
// VersionKey); more would make two distinct versions compare equal.
func parseTimestamp(s string) (digits int, reason string) {
	const bad = "is not a valid timestamp (want RFC 3339 in UTC: YYYY-MM-DDTHH:mm:ss[.s+]Z)"
	if len(s) < 20 || len(s) > 64 {
		return 0, bad
	}
	for i := 0; i < 19; i++ {
		c := s[i]
		switch i {
		case 4, 7:
			if c != '-' {
				return 0, bad
			}
		case 10:
			if c != 'T' {
				return 0, bad
			}
		case 13, 16:
			if c != ':' {
				return 0, bad
			}
		default:
			if c < '0' || c > '9' {
				return 0, bad
			}
		}
	}
	if s[len(s)-1] != 'Z' {
		return 0, bad
	}
	switch {
	case len(s) == 20:
	case s[19] != '.' || len(s) == 21:
		return 0, bad
	default:
		digits = len(s) - 21
		if digits > 9 {
			return 0, "has more than nine fraction digits, which this hub does not accept"
		}
		for i := 20; i < len(s)-1; i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, bad
			}
		}
	}
	year := num(s[0:4])
	month, day := num(s[5:7]), num(s[8:10])
	hour, minute, sec := num(s[11:13]), num(s[14:16]), num(s[17:19])
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) ||
		hour > 23 || minute > 59 || sec > 59 {
		return 0, bad
	}
	return digits, ""
}

func num(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// VersionKey normalises an RFC 3339 UTC timestamp as STIX writes it to a fixed-width,
// sortable key with nine fraction digits ("2006-01-02T15:04:05.000000000Z"), so that
// "…:05.1Z" and "…:05.100Z", the same instant, give the same key. It returns "" for "" and
// for anything that is not such a timestamp (Parse never lets one through).
//
// The format is the one internal/taxii.VersionKeyOf produces from a time.Time; it is
// duplicated here on purpose so that this package does not depend on the TAXII layer.
func VersionKey(ts string) string {
	digits, reason := parseTimestamp(ts)
	if reason != "" {
		return ""
	}
	var b [versionKeyLen]byte
	copy(b[:19], ts[:19])
	b[19] = '.'
	n := copy(b[20:29], ts[20:20+digits])
	for i := 20 + n; i < 29; i++ {
		b[i] = '0'
	}
	b[29] = 'Z'
	return string(b[:])
}

// compareTimestamps compares two timestamps that parseTimestamp accepted, as instants.
func compareTimestamps(a, b string) int {
	ka, kb := VersionKey(a), VersionKey(b)
	switch {
	case ka < kb:
		return -1
	case ka > kb:
		return 1
	}
	return 0
}
