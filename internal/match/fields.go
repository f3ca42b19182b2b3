package match

import (
	"bytes"
	"net/netip"
	"strings"
	"time"
)

// handler says what a log field holds, and so which observables it gives.
type handler uint8

const (
	hNone        handler = iota
	hTime                // the event's time: epoch seconds or an ISO 8601 timestamp
	hSrcIP               // an address, also network-traffic:src_ref.value
	hDstIP               // an address, also network-traffic:dst_ref.value
	hSrcPort             // network-traffic:src_port
	hDstPort             // network-traffic:dst_port
	hProto               // network-traffic:protocols (lower-cased)
	hDomain              // domain-name:value (an address gives an address instead)
	hAnswer              // a DNS answer: an address or a name; other data is ignored
	hHost                // an HTTP Host: domain or address, without the port; with hURI a URL
	hURI                 // an HTTP request target; with hHost a URL
	hMD5                 // file:hashes.MD5
	hSHA1                // file:hashes.'SHA-1'
	hSHA256              // file:hashes.'SHA-256'
	hFilename            // file:name
	hIP                  // an address
	hEmail               // e-mail addresses: "Name <a@b>", lists separated by commas
	hFingerprint         // x509-certificate:hashes by hex length (colons ignored)
	hURL                 // url:value
	hHTTPPort            // the port of an HTTP request, when the Host lacks it
)

// Paths of the observables the readers emit.
const (
	pathValue    = "value"
	pathMD5      = "hashes.MD5"
	pathSHA1     = "hashes.'SHA-1'"
	pathSHA256   = "hashes.'SHA-256'"
	pathSHA512   = "hashes.'SHA-512'"
	pathSrcRef   = "src_ref.value"
	pathDstRef   = "dst_ref.value"
	typeNetTraff = "network-traffic"
)

// zeekHandler maps the Zeek field names of conn, dns, http, ssl, files, x509, smtp and
// the other logs that carry them (JSON keys with dots, or TSV #fields).
func zeekHandler(name []byte) handler {
	switch string(name) {
	case "ts":
		return hTime
	case "id.orig_h":
		return hSrcIP
	case "id.resp_h":
		return hDstIP
	case "id.orig_p":
		return hSrcPort
	case "id.resp_p":
		return hDstPort
	case "proto":
		return hProto
	case "query", "server_name", "san.dns":
		return hDomain
	case "answers":
		return hAnswer
	case "host":
		return hHost
	case "uri":
		return hURI
	case "md5":
		return hMD5
	case "sha1":
		return hSHA1
	case "sha256":
		return hSHA256
	case "filename":
		return hFilename
	case "tx_hosts", "rx_hosts", "san.ip", "x_originating_ip":
		return hIP
	case "mailfrom", "rcptto", "from", "to", "cc", "reply_to":
		return hEmail
	case "fingerprint":
		return hFingerprint
	}
	return hNone
}

// eveHandler maps the key paths of Suricata EVE JSON (alert, flow, dns v1 to v3, http,
// tls, fileinfo, smtp and email events).
func eveHandler(path []byte) handler {
	switch string(path) {
	case "timestamp":
		return hTime
	case "src_ip":
		return hSrcIP
	case "dest_ip":
		return hDstIP
	case "src_port":
		return hSrcPort
	case "dest_port":
		return hDstPort
	case "proto":
		return hProto
	case "dns.rrname", "dns.query.rrname", "dns.queries.rrname", "dns.answers.rrname", "tls.sni":
		return hDomain
	case "dns.rdata", "dns.answers.rdata", "dns.grouped.A", "dns.grouped.AAAA", "dns.grouped.CNAME":
		return hAnswer
	case "http.hostname":
		return hHost
	case "http.url":
		return hURI
	case "http.http_port":
		return hHTTPPort
	case "fileinfo.md5":
		return hMD5
	case "fileinfo.sha1":
		return hSHA1
	case "fileinfo.sha256":
		return hSHA256
	case "fileinfo.filename":
		return hFilename
	case "email.from", "email.to", "email.cc", "smtp.mail_from", "smtp.rcpt_to":
		return hEmail
	case "tls.fingerprint":
		return hFingerprint
	}
	return hNone
}

// fieldState turns the fields of one line into observables.
type fieldState struct {
	b         eventBuilder
	host, uri []byte // for the URL of an HTTP request
	dst       []byte // the responder's address, for a URL without a Host
	port      []byte
	url       []byte
}

func (st *fieldState) reset() {
	st.b.reset()
	st.host, st.uri, st.dst, st.port = st.host[:0], st.uri[:0], st.dst[:0], st.port[:0]
}

// handle adds the observables of one field value (isString is false for JSON numbers).
func (st *fieldState) handle(h handler, v []byte, isString bool) {
	if len(v) == 0 {
		return
	}
	b := &st.b
	switch h {
	case hTime:
		if t, ok := parseLogTime(v); ok {
			b.time = t
		}
	case hSrcIP, hDstIP:
		typ := addrType(v)
		if typ == "" {
			return
		}
		b.add(typ, pathValue, v)
		if h == hSrcIP {
			b.again(typeNetTraff, pathSrcRef)
		} else {
			b.again(typeNetTraff, pathDstRef)
			st.dst = append(st.dst[:0], v...)
		}
	case hSrcPort, hDstPort:
		if !isDigits(v) {
			return
		}
		if h == hSrcPort {
			b.add(typeNetTraff, "src_port", v)
		} else {
			b.add(typeNetTraff, "dst_port", v)
		}
	case hProto:
		var buf [16]byte
		if len(v) > len(buf) {
			return
		}
		p := buf[:len(v)]
		for i, c := range v {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			p[i] = c
		}
		b.add(typeNetTraff, "protocols", p)
	case hDomain:
		if typ := addrType(v); typ != "" {
			b.add(typ, pathValue, v)
		} else if isDomainLike(v) {
			b.add("domain-name", pathValue, v)
		}
	case hAnswer:
		if typ := addrType(v); typ != "" {
			b.add(typ, pathValue, v)
		} else if isDomainLike(v) {
			b.add("domain-name", pathValue, v)
		}
	case hHost:
		st.host = append(st.host[:0], v...)
		host := stripPort(v)
		if typ := addrType(host); typ != "" {
			b.add(typ, pathValue, host)
		} else if isDomainLike(host) {
			b.add("domain-name", pathValue, host)
		}
	case hURI:
		st.uri = append(st.uri[:0], v...)
	case hMD5:
		b.add("file", pathMD5, v)
	case hSHA1:
		b.add("file", pathSHA1, v)
	case hSHA256:
		b.add("file", pathSHA256, v)
	case hFilename:
		b.add("file", "name", v)
	case hIP:
		if typ := addrType(v); typ != "" {
			b.add(typ, pathValue, v)
		}
	case hEmail:
		for part := range bytes.SplitSeq(v, []byte{','}) {
			if a := emailAddress(part); a != nil {
				b.add("email-addr", pathValue, a)
			}
		}
	case hFingerprint:
		if bytes.IndexByte(v, ':') >= 0 {
			v = bytes.ReplaceAll(v, []byte{':'}, nil)
		}
		if !isHex(string(v)) {
			return
		}
		switch len(v) {
		case 32:
			b.add("x509-certificate", pathMD5, v)
		case 40:
			b.add("x509-certificate", pathSHA1, v)
		case 64:
			b.add("x509-certificate", pathSHA256, v)
		}
	case hURL:
		b.add("url", pathValue, v)
	case hHTTPPort:
		if isDigits(v) && string(v) != "80" {
			st.port = append(st.port[:0], v...)
		}
	}
}

// finish adds what needs several fields: the URL of an HTTP request.
func (st *fieldState) finish() {
	if len(st.uri) == 0 {
		return
	}
	u := st.uri
	if !hasScheme(u) {
		host := st.host
		bracket := false
		if len(host) == 0 {
			host = st.dst
			bracket = bytes.IndexByte(host, ':') >= 0
		}
		if len(host) == 0 || u[0] != '/' {
			return // no host, or authority-form (CONNECT) or asterisk-form: no URL
		}
		st.url = append(st.url[:0], "http://"...)
		if bracket {
			st.url = append(append(append(st.url, '['), host...), ']')
		} else {
			st.url = append(st.url, host...)
		}
		if len(st.port) > 0 && len(stripPort(host)) == len(host) && !bracket {
			st.url = append(append(st.url, ':'), st.port...)
		}
		u = append(st.url, u...)
		st.url = u
	}
	st.b.add("url", pathValue, u)
}

func hasScheme(u []byte) bool {
	i := bytes.Index(u, []byte("://"))
	if i <= 0 {
		return false
	}
	for _, c := range u[:i] {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// addrType returns ipv4-addr or ipv6-addr for an address (or network), "" otherwise.
func addrType(v []byte) string {
	if isIPv4(v) {
		return "ipv4-addr"
	}
	if len(v) == 0 || len(v) > 64 || bytes.IndexByte(v, ':') < 0 && bytes.IndexByte(v, '/') < 0 {
		return ""
	}
	s := string(v)
	if strings.IndexByte(s, '/') >= 0 {
		if p, err := netip.ParsePrefix(s); err == nil {
			return ipType(p.Addr())
		}
		return ""
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return ipType(a)
	}
	return ""
}

// isIPv4 reports whether v is a dotted-quad IPv4 address as netip.ParseAddr accepts it
// (no leading zeros), without allocating.
func isIPv4[S string | []byte](v S) bool {
	dots, n, val := 0, 0, 0
	for i := range len(v) {
		c := v[i]
		if c == '.' {
			if n == 0 || dots == 3 {
				return false
			}
			dots, n, val = dots+1, 0, 0
			continue
		}
		if c < '0' || c > '9' || n > 0 && val == 0 {
			return false
		}
		val = val*10 + int(c-'0')
		n++
		if val > 255 {
			return false
		}
	}
	return dots == 3 && n > 0
}

// stripPort removes the port of a Host value ("example.com:8080", "[2001:db8::1]:80").
func stripPort(h []byte) []byte {
	if len(h) > 0 && h[0] == '[' {
		if i := bytes.IndexByte(h, ']'); i > 0 {
			return h[1:i]
		}
		return h
	}
	if i := bytes.LastIndexByte(h, ':'); i >= 0 && bytes.IndexByte(h[:i], ':') < 0 {
		return h[:i]
	}
	return h
}

// isDomainLike reports whether v looks like a host name: dot-separated labels of
// letters, digits, hyphens and underscores, at least two, the last not all digits.
func isDomainLike(v []byte) bool {
	v = bytes.TrimSuffix(v, []byte{'.'})
	if len(v) == 0 || len(v) > 253 {
		return false
	}
	labels, digitsOnly, n := 0, true, 0
	for i := 0; i <= len(v); i++ {
		if i == len(v) || v[i] == '.' {
			if n == 0 || n > 63 {
				return false
			}
			labels++
			if i < len(v) {
				digitsOnly, n = true, 0
			}
			continue
		}
		c := v[i]
		switch {
		case '0' <= c && c <= '9':
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '-', c == '_', c >= 0x80:
			digitsOnly = false
		default:
			return false
		}
		n++
	}
	return labels >= 2 && !digitsOnly
}

// emailAddress extracts the address from "a@b", "<a@b>" or "Name <a@b>", or nil.
func emailAddress(v []byte) []byte {
	v = bytes.TrimSpace(v)
	if i := bytes.LastIndexByte(v, '<'); i >= 0 {
		j := bytes.IndexByte(v[i:], '>')
		if j < 0 {
			return nil
		}
		v = v[i+1 : i+j]
	}
	at := bytes.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 || bytes.ContainsAny(v, " \t\"<>,") {
		return nil
	}
	return v
}

func isDigits(v []byte) bool {
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(v) > 0 && len(v) <= 10
}

// parseLogTime reads epoch seconds ("1705312800.123456") or an ISO 8601 timestamp
// ("2024-01-15T10:00:00.123456+0000", "...Z", "...+00:00").
func parseLogTime(v []byte) (time.Time, bool) {
	if len(v) > 0 && '0' <= v[0] && v[0] <= '9' && (len(v) < 5 || v[4] != '-') {
		return parseEpoch(v)
	}
	return parseISO(v)
}

func parseEpoch(v []byte) (time.Time, bool) {
	var sec, nsec int64
	i := 0
	for ; i < len(v) && '0' <= v[i] && v[i] <= '9'; i++ {
		if sec > 1e12 {
			return time.Time{}, false
		}
		sec = sec*10 + int64(v[i]-'0')
	}
	if i == 0 {
		return time.Time{}, false
	}
	if i < len(v) && v[i] == '.' {
		i++
		scale := int64(1e8)
		for ; i < len(v) && '0' <= v[i] && v[i] <= '9'; i++ {
			nsec += int64(v[i]-'0') * scale
			scale /= 10
		}
	}
	if i != len(v) {
		return time.Time{}, false
	}
	return time.Unix(sec, nsec).UTC(), true
}

func parseISO(v []byte) (time.Time, bool) {
	num := func(b []byte) (int, bool) {
		n := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, len(b) > 0
	}
	if len(v) < 19 || v[4] != '-' || v[7] != '-' || (v[10] != 'T' && v[10] != ' ') || v[13] != ':' || v[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := num(v[0:4])
	month, ok2 := num(v[5:7])
	day, ok3 := num(v[8:10])
	hour, ok4 := num(v[11:13])
	minute, ok5 := num(v[14:16])
	sec, ok6 := num(v[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, false
	}
	rest := v[19:]
	nsec := 0
	if len(rest) > 0 && rest[0] == '.' {
		i, scale := 1, 100000000
		for ; i < len(rest) && '0' <= rest[i] && rest[i] <= '9'; i++ {
			nsec += int(rest[i]-'0') * scale
			scale /= 10
		}
		if i == 1 {
			return time.Time{}, false
		}
		rest = rest[i:]
	}
	offset := 0
	switch {
	case len(rest) == 0, string(rest) == "Z", string(rest) == "z":
	case rest[0] == '+' || rest[0] == '-':
		hm := rest[1:]
		if len(hm) == 5 && hm[2] == ':' {
			hm = append(hm[:2:2], hm[3:]...)
		}
		if len(hm) != 4 {
			return time.Time{}, false
		}
		h, ok1 := num(hm[:2])
		m, ok2 := num(hm[2:])
		if !ok1 || !ok2 || h > 23 || m > 59 {
			return time.Time{}, false
		}
		offset = h*3600 + m*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), true
}

// guessPath returns the type and path of a value by its form: an address or network,
// a URL, an MD5, SHA-1, SHA-256 or SHA-512 hash (hex), an e-mail address or a domain
// name.
func guessPath(v []byte) (typ, path string, ok bool) {
	if typ := addrType(v); typ != "" {
		return typ, pathValue, true
	}
	if hasScheme(v) {
		return "url", pathValue, true
	}
	if isHex(string(v)) {
		switch len(v) {
		case 32:
			return "file", pathMD5, true
		case 40:
			return "file", pathSHA1, true
		case 64:
			return "file", pathSHA256, true
		case 128:
			return "file", pathSHA512, true
		}
	}
	if a := emailAddress(v); a != nil && len(a) == len(v) && isDomainLike(v[bytes.LastIndexByte(v, '@')+1:]) {
		return "email-addr", pathValue, true
	}
	if isDomainLike(v) {
		return "domain-name", pathValue, true
	}
	return "", "", false
}

// parseMappedPath reads "type:path" as a CSV mapping or NewLines gives it, and returns
// the type and the canonical path.
func parseMappedPath(s string) (typ, path string, ok bool) {
	typ, rest, found := strings.Cut(s, ":")
	if !found || !isTypeName(typ) {
		return "", "", false
	}
	keys, ok := splitPath(rest)
	if !ok {
		return "", "", false
	}
	if canon, _, ok := classifyPath(typ, keys); ok {
		return typ, canon, true
	}
	return typ, renderPath(typ, keys), true
}

func isTypeName(s string) bool {
	if len(s) < 3 || len(s) > 250 || !('a' <= s[0] && s[0] <= 'z') || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' && s[i-1] != '-') {
			return false
		}
	}
	return true
}
