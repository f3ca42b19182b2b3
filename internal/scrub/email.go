package scrub

import "strings"

// emails returns the e-mail addresses in text. The local part is the usual dot-atom subset
// (letters, digits and ._%+-); the domain needs at least two labels and an alphabetic top-level
// label, which leaves out user@localhost, package@1.2.3 and icon@2x.png. Addresses that the
// object's pattern names are returned as exempt.
func emails(text string, ex *exemptions) []span {
	var out []span
	for off := 0; off < len(text); {
		k := strings.IndexByte(text[off:], '@')
		if k < 0 {
			break
		}
		at := off + k
		off = at + 1
		start, end, ok := emailAround(text, at)
		if !ok {
			continue
		}
		out = append(out, span{start: start, end: end, kind: KindEmail, exempt: ex.email(text[start:end])})
		off = end
	}
	return out
}

// emailAround returns the bounds of the address whose '@' is text[at].
func emailAround(text string, at int) (start, end int, ok bool) {
	start = at
	for start > 0 && isLocalChar(text[start-1]) {
		start--
	}
	for start < at && text[start] == '.' {
		start++
	}
	if start == at || at-start > 64 || text[at-1] == '.' || strings.Contains(text[start:at], "..") {
		return 0, 0, false
	}
	if wordRuneBefore(text, start) {
		return 0, 0, false // the local part goes on in a script we do not take
	}
	end = at + 1
	for end < len(text) && isDomainChar(text[end]) {
		end++
	}
	for end > at+1 && (text[end-1] == '.' || text[end-1] == '-') {
		end--
	}
	if !validDomain(text[at+1 : end]) {
		return 0, 0, false
	}
	if wordRuneAt(text, end) || end < len(text) && text[end] == '@' {
		return 0, 0, false
	}
	// user@host:path is a Git or SCP remote (git@github.com:org/repo.git), not a mailbox.
	if end+1 < len(text) && text[end] == ':' && text[end+1] > ' ' {
		return 0, 0, false
	}
	return start, end, true
}

func isLocalChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isDomainChar(c byte) bool { return isAlnum(c) || c == '.' || c == '-' }

// validDomain checks the host part of an address: two or more labels of letters, digits and
// inner hyphens, a top-level label of letters (or an IDN "xn--" label) that is not a file
// extension.
func validDomain(d string) bool {
	if len(d) < 4 || len(d) > 253 {
		return false
	}
	labels := 0
	var last string
	for len(d) > 0 {
		i := strings.IndexByte(d, '.')
		label := d
		if i >= 0 {
			label, d = d[:i], d[i+1:]
		} else {
			d = ""
		}
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		labels++
		last = label
	}
	if labels < 2 {
		return false
	}
	if strings.HasPrefix(last, "xn--") {
		return len(last) > 4
	}
	if len(last) < 2 || len(last) > 24 {
		return false
	}
	for i := 0; i < len(last); i++ {
		if !isAlpha(last[i]) {
			return false
		}
	}
	return !fileExtensions[strings.ToLower(last)]
}

// fileExtensions are endings that are not top-level domains but follow an '@' in file names
// (icon@2x.png, lib@1.0.js): "name@x.ext" with one of these is a file, not an address.
var fileExtensions = map[string]bool{
	"exe": true, "dll": true, "png": true, "jpg": true, "jpeg": true, "gif": true, "bmp": true,
	"svg": true, "js": true, "json": true, "txt": true, "log": true, "bin": true, "dat": true,
	"tmp": true, "bat": true, "vbs": true, "lnk": true, "doc": true, "docx": true, "xls": true,
	"xlsx": true, "pptx": true, "pdf": true, "csv": true, "htm": true, "html": true, "php": true,
	"aspx": true, "jsp": true, "ini": true, "cfg": true, "yaml": true, "yml": true, "xml": true,
	"elf": true, "apk": true, "msi": true, "jar": true,
}
