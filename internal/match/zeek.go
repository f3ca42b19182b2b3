package match

import (
	"bytes"
	"io"
)

// jsonLogReader reads logs of one JSON object per line: Zeek JSON and Suricata EVE.
type jsonLogReader struct {
	lr      *lineReader
	sc      jsonScanner
	st      fieldState
	handler func(path []byte) handler
}

// NewZeekJSON reads Zeek logs written as JSON, one object per line (conn, dns, http,
// ssl, files, x509, smtp and any other log with the same field names; keys may be
// dotted, "id.orig_h", or nested). The fields become observables:
//
//	id.orig_h, id.resp_h          ipv4-addr:value or ipv6-addr:value by family, and
//	                              network-traffic:src_ref.value / dst_ref.value
//	id.orig_p, id.resp_p, proto   network-traffic:src_port, dst_port, protocols
//	query, server_name, san.dns   domain-name:value
//	answers                       ipv4-addr, ipv6-addr or domain-name:value (other data skipped)
//	host                          domain-name:value (or an address), port removed
//	host + uri                    url:value http://host/uri (uri alone if absolute; the
//	                              responder's address when there is no host)
//	md5, sha1, sha256, filename   file:hashes.MD5, 'SHA-1', 'SHA-256', file:name
//	tx_hosts, rx_hosts, san.ip    ipv4-addr or ipv6-addr:value
//	mailfrom, rcptto, from, to,   email-addr:value (the address of "Name <a@b>")
//	cc, reply_to
//	fingerprint                   x509-certificate:hashes by length (MD5, SHA-1, SHA-256)
//	ts                            the event's time (epoch seconds or ISO 8601)
func NewZeekJSON(r io.Reader) Reader {
	return newJSONLogReader(r, zeekHandler)
}

// NewSuricataEVE reads Suricata EVE JSON: src_ip and dest_ip (with src_port, dest_port
// and proto as network-traffic), dns.rrname, dns.queries[].rrname and dns.query[].rrname,
// dns.answers[].rrname and rdata, dns.grouped.A/AAAA/CNAME, http.hostname + http.url,
// tls.sni, tls.fingerprint (x509-certificate:hashes.'SHA-1'), fileinfo.filename, md5, sha1
// and sha256, email.from/to/cc and smtp.mail_from/rcpt_to, and timestamp as the time.
// The observables are those of NewZeekJSON for the same kind of field.
func NewSuricataEVE(r io.Reader) Reader {
	return newJSONLogReader(r, eveHandler)
}

func newJSONLogReader(r io.Reader, h func([]byte) handler) *jsonLogReader {
	j := &jsonLogReader{lr: newLineReader(r), handler: h}
	j.sc.visit = j.visit
	return j
}

func (j *jsonLogReader) visit(path, val []byte, isString bool) {
	if h := j.handler(path); h != hNone {
		j.st.handle(h, val, isString)
	}
}

// Next returns the next event; see Reader.
func (j *jsonLogReader) Next() (Event, error) {
	for {
		line, tooLong, err := j.lr.next()
		if err != nil {
			return Event{}, err
		}
		n := j.lr.line
		if tooLong {
			return Event{Line: n}, lineError(n, "longer than %d bytes", MaxLineSize)
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		j.st.reset()
		if err := j.sc.scan(line); err != nil {
			return Event{Line: n, Raw: line}, lineError(n, "%v", err)
		}
		j.st.finish()
		if j.st.b.over {
			return Event{Line: n, Raw: line}, lineError(n, "more than %d values", MaxObservables)
		}
		return j.st.b.event(n, line), nil
	}
}

// zeekTSV reads Zeek's tab-separated logs.
type zeekTSV struct {
	lr           *lineReader
	sep, setSep  []byte
	empty, unset []byte
	cols         []tsvColumn
	st           fieldState
	unesc        []byte
}

type tsvColumn struct {
	h   handler
	set bool // a set or vector: elements separated by the set separator
}

// NewZeekTSV reads Zeek logs in their tab-separated form, with the #separator,
// #set_separator, #empty_field, #unset_field, #fields and #types headers (several logs
// may follow one another; each #fields starts a new one). \xHH escapes are decoded, unset
// and empty fields skipped, and the fields give the observables listed at NewZeekJSON.
func NewZeekTSV(r io.Reader) Reader {
	return &zeekTSV{lr: newLineReader(r), sep: []byte{'\t'}, setSep: []byte{','}, empty: []byte("(empty)"), unset: []byte("-")}
}

// Next returns the next event; see Reader.
func (z *zeekTSV) Next() (Event, error) {
	for {
		line, tooLong, err := z.lr.next()
		if err != nil {
			return Event{}, err
		}
		n := z.lr.line
		if tooLong {
			return Event{Line: n}, lineError(n, "longer than %d bytes", MaxLineSize)
		}
		if len(line) == 0 {
			continue
		}
		if line[0] == '#' {
			if msg := z.header(line); msg != "" {
				return Event{Line: n, Raw: line}, lineError(n, "%s", msg)
			}
			continue
		}
		if z.cols == nil {
			return Event{Line: n, Raw: line}, lineError(n, "data before the #fields header")
		}
		if count := bytes.Count(line, z.sep) + 1; count != len(z.cols) {
			return Event{Line: n, Raw: line}, lineError(n, "%d fields where #fields names %d", count, len(z.cols))
		}
		z.st.reset()
		rest := line
		for i := range z.cols {
			v := rest
			if j := bytes.Index(rest, z.sep); j >= 0 {
				v, rest = rest[:j], rest[j+len(z.sep):]
			}
			c := z.cols[i]
			if c.h == hNone || len(v) == 0 || bytes.Equal(v, z.unset) || bytes.Equal(v, z.empty) {
				continue
			}
			if !c.set {
				z.st.handle(c.h, z.unescape(v), true)
				continue
			}
			for e := range bytes.SplitSeq(v, z.setSep) {
				if len(e) > 0 && !bytes.Equal(e, z.unset) && !bytes.Equal(e, z.empty) {
					z.st.handle(c.h, z.unescape(e), true)
				}
			}
		}
		z.st.finish()
		if z.st.b.over {
			return Event{Line: n, Raw: line}, lineError(n, "more than %d values", MaxObservables)
		}
		return z.st.b.event(n, line), nil
	}
}

// header reads a # line; it returns a message for a malformed one.
func (z *zeekTSV) header(line []byte) string {
	if v, ok := bytes.CutPrefix(line, []byte("#separator ")); ok {
		sep := unescapeZeek(nil, v)
		if len(sep) == 0 {
			return "empty #separator"
		}
		z.sep = sep
		return ""
	}
	name, value, found := bytes.Cut(line[1:], z.sep)
	if !found {
		return "" // #close and other comments
	}
	switch string(name) {
	case "set_separator":
		if v := unescapeZeek(nil, value); len(v) > 0 {
			z.setSep = v
		}
	case "empty_field":
		z.empty = unescapeZeek(nil, value)
	case "unset_field":
		z.unset = unescapeZeek(nil, value)
	case "fields":
		names := bytes.Split(value, z.sep)
		if len(names) > MaxObservables {
			return "too many #fields"
		}
		z.cols = make([]tsvColumn, len(names))
		for i, name := range names {
			h := zeekHandler(name)
			// Until #types says otherwise, the fields that are sets in Zeek's logs are.
			z.cols[i] = tsvColumn{h: h, set: h == hAnswer || h == hIP || h == hEmail || string(name) == "san.dns"}
		}
	case "types":
		types := bytes.Split(value, z.sep)
		if len(types) != len(z.cols) {
			return "#types does not match #fields"
		}
		for i, t := range types {
			z.cols[i].set = bytes.HasPrefix(t, []byte("set[")) || bytes.HasPrefix(t, []byte("vector["))
		}
	}
	return ""
}

func (z *zeekTSV) unescape(v []byte) []byte {
	if bytes.IndexByte(v, '\\') < 0 {
		return v
	}
	z.unesc = unescapeZeek(z.unesc[:0], v)
	return z.unesc
}

// unescapeZeek appends v to dst with its \xHH escapes decoded.
func unescapeZeek(dst, v []byte) []byte {
	for i := 0; i < len(v); i++ {
		if v[i] == '\\' && i+3 < len(v) && v[i+1] == 'x' {
			if r, ok := hex2(v[i+2], v[i+3]); ok {
				dst = append(dst, r)
				i += 3
				continue
			}
		}
		dst = append(dst, v[i])
	}
	return dst
}

func hex2(a, b byte) (byte, bool) {
	h := func(c byte) (byte, bool) {
		switch {
		case '0' <= c && c <= '9':
			return c - '0', true
		case 'a' <= c && c <= 'f':
			return c - 'a' + 10, true
		case 'A' <= c && c <= 'F':
			return c - 'A' + 10, true
		}
		return 0, false
	}
	x, ok1 := h(a)
	y, ok2 := h(b)
	return x<<4 | y, ok1 && ok2
}
