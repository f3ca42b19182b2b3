package match

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"

	"github.com/firebreak/firebreak/internal/stix/pattern"
)

// observationOf builds the observation the general evaluator sees for an event, as the
// package documentation describes.
func observationOf(ev *Event) pattern.Observation {
	b := obsBuilder{objs: make(map[string]map[string]any, len(ev.Observables))}
	for i := range ev.Observables {
		b.add(&ev.Observables[i])
	}
	return pattern.Observation{Objects: b.objs, First: ev.Time, Last: ev.Time, Count: 1}
}

type obsBuilder struct {
	objs map[string]map[string]any
	list []builtObject
}

type builtObject struct {
	typ, id string
	obj     map[string]any
}

func (b *obsBuilder) newObject(typ string) *builtObject {
	id := typ + "--" + strconv.Itoa(len(b.list))
	obj := map[string]any{"type": typ, "id": id}
	b.objs[id] = obj
	b.list = append(b.list, builtObject{typ: typ, id: id, obj: obj})
	return &b.list[len(b.list)-1]
}

// target returns the object an observable of type typ setting keys goes into.
func (b *obsBuilder) target(typ string, keys []string) *builtObject {
	for i := len(b.list) - 1; i >= 0; i-- {
		if b.list[i].typ == typ {
			if listProps[keys[0]] && len(keys) == 1 || !hasPath(b.list[i].obj, keys) {
				return &b.list[i]
			}
			break
		}
	}
	return b.newObject(typ)
}

func (b *obsBuilder) add(o *Observable) {
	keys, ok := splitPath(o.Path)
	if !ok || o.Type == "" || keys[0] == "type" || keys[0] == "id" {
		return // the builder names its objects itself
	}
	if n := len(keys); n >= 2 && keys[n-2] == "hashes" {
		keys[n-1] = canonicalHashAlg(keys[n-1])
	}
	if len(keys) >= 2 && (strings.HasSuffix(keys[0], "_ref") || strings.HasSuffix(keys[0], "_refs")) {
		rt := refType(keys[1:], o.Value)
		value := builtValue(rt, keys[1:], o.Value)
		var ref *builtObject
		for i := range b.list {
			if b.list[i].typ == rt && pathEquals(b.list[i].obj, keys[1:], value) {
				ref = &b.list[i]
				break
			}
		}
		if ref == nil {
			ref = b.newObject(rt)
			setPath(ref.obj, keys[1:], value)
		}
		id := ref.id
		parent := b.target(o.Type, keys[:1])
		if strings.HasSuffix(keys[0], "_refs") {
			l, _ := parent.obj[keys[0]].([]any)
			parent.obj[keys[0]] = append(l, id)
		} else {
			parent.obj[keys[0]] = id
		}
		return
	}
	t := b.target(o.Type, keys)
	v := builtValue(o.Type, keys, o.Value)
	if len(keys) == 1 && listProps[keys[0]] {
		l, _ := t.obj[keys[0]].([]any)
		t.obj[keys[0]] = append(l, v)
		return
	}
	setPath(t.obj, keys, v)
}

// builtValue is the value an observed string becomes in an object.
func builtValue(typ string, keys []string, v string) any {
	if len(keys) == 1 && numericProps[keys[0]] {
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			return json.Number(v)
		}
		return v
	}
	if _, norm, ok := classifyPath(typ, keys); ok {
		return canonicalText(norm, v)
	}
	return v
}

// refType guesses the type of the object a reference points to from the value of the
// path after it.
func refType(rest []string, v string) string {
	if len(rest) != 1 || rest[0] != "value" {
		return "x-unknown"
	}
	return valueType(v)
}

// valueType guesses the SCO type of a value by its form. It does not allocate for
// values that are not addresses.
func valueType(v string) string {
	if isIPv4(v) {
		return "ipv4-addr"
	}
	if plausibleIP(v) {
		if strings.IndexByte(v, '/') >= 0 {
			if p, err := netip.ParsePrefix(v); err == nil {
				return ipType(p.Addr())
			}
		} else if a, err := netip.ParseAddr(v); err == nil {
			return ipType(a)
		}
	}
	switch {
	case strings.IndexByte(v, '@') > 0:
		return "email-addr"
	case isMAC(v):
		return "mac-addr"
	}
	return "domain-name"
}

func ipType(a netip.Addr) string {
	if a.Is4() {
		return "ipv4-addr"
	}
	return "ipv6-addr"
}

func isMAC(v string) bool {
	if len(v) != 17 {
		return false
	}
	for i := 0; i < 17; i++ {
		if i%3 == 2 {
			if v[i] != ':' && v[i] != '-' {
				return false
			}
		} else if !isHex(v[i : i+1]) {
			return false
		}
	}
	return true
}

// refTypeOf returns the type of the object an observable's reference path creates, or
// "" when its path is not a reference.
func refTypeOf(o *Observable) string {
	if rt := refValueType(o); rt != "" {
		return rt // the common case, without allocating
	}
	if !strings.Contains(o.Path, "_ref") {
		return ""
	}
	keys, ok := splitPath(o.Path)
	if !ok || len(keys) < 2 || !(strings.HasSuffix(keys[0], "_ref") || strings.HasSuffix(keys[0], "_refs")) {
		return ""
	}
	return refType(keys[1:], o.Value)
}

func hasPath(obj map[string]any, keys []string) bool {
	var v any = obj
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return true // a scalar is in the way: the path cannot be set here
		}
		if v, ok = m[k]; !ok {
			return false
		}
	}
	return true
}

func pathEquals(obj map[string]any, keys []string, want any) bool {
	var v any = obj
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		if v, ok = m[k]; !ok {
			return false
		}
	}
	return v == want
}

func setPath(obj map[string]any, keys []string, v any) {
	for _, k := range keys[:len(keys)-1] {
		next, ok := obj[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[k] = next
		}
		obj = next
	}
	obj[keys[len(keys)-1]] = v
}
