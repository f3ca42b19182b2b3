// Package match finds where indicators could be seen: it compiles the STIX patterns of
// indicators into structures that answer for an observed value in constant time, and
// reads the logs those values come from (Zeek JSON and TSV, Suricata EVE, CSV, one value
// per line), streaming with bounded memory.
//
// # The fast path
//
// An indicator compiles to the fast path when its pattern is one [ ... ], or several
// joined by observation OR ("[a] OR [b]" is "[a OR b]" on one observation), with no
// qualifier (WITHIN, REPEATS, START/STOP) and no AND or FOLLOWEDBY between them, and
// when the comparisons in the brackets are joined by OR only (no AND), none is negated
// with NOT, and each has one of these forms:
//
//   - "path = 'string'" or "path IN ('string', ...)", where path is made of property
//     names only (no [n] or [*]), steps through no reference (_ref, _refs) and no _hex or
//     _bin property, is not one of the integer properties the readers give (ports, byte
//     and packet counts, size, pid) or protocols, and reaches into a hashes dictionary, if
//     at all, only at its last step; on a hash, h'...' constants are accepted too;
//   - "ipv4-addr:value ISSUBSET 'network'" or "ipv6-addr:value ISSUBSET 'network'" (IPv4
//     or IPv6 network of any length, /0 to /32 or /128, or a bare address).
//
// For example [ipv4-addr:value = '198.51.100.1'], [domain-name:value IN ('a.example',
// 'b.example')], [file:hashes.'SHA-256' = '...' OR file:hashes.MD5 = '...'],
// [url:value = 'http://x.example/a'], [email-addr:value = 'a@example.com'],
// [process:name = 'evil.exe'], [ipv4-addr:value ISSUBSET '198.51.100.0/24'] and
// [ipv6-addr:value = '2001:db8::1'] OR [domain-name:value = 'x.example'] compile.
//
// Equalities become sharded hash tables keyed by (type, path, normalised value), with
// the indicators of each key, each shard behind a small Bloom filter; networks become a
// trie per object type and family that finds every network containing an address in at
// most 9 (IPv4) or 33 (IPv6) node visits, behind a bitmap of the 20-bit buckets some
// network reaches. Values that match nothing, nearly all of them, are answered from
// these filters, which stay in the processor's cache.
// Everything else (LIKE, MATCHES, <, >, !=, NOT, EXISTS, AND inside [ ], AND and
// FOLLOWEDBY between observations, qualifiers, ISSUPERSET, ISSUBSET on other paths, [*]
// and [n], references) is left to the general evaluator.
//
// # Normalisation
//
// Values are compared in one spelling, the same for pattern constants and observed
// values, on both paths (the general evaluator sees canonical values, and the constants
// of its =, != and IN comparisons on these properties are made canonical too):
//
//   - ipv4-addr:value and ipv6-addr:value: parsed with net/netip, so 2001:db8::1 and
//     2001:0DB8:0:0::1 are equal (a network keeps its host bits: 10.0.0.1/24 is not
//     10.0.0.0/24); values that are not addresses compare as written;
//   - domain-name:value: ASCII letters lower-cased, one trailing dot removed;
//   - email-addr:value: ASCII letters lower-cased, local part included: the RFC lets
//     a mail system tell Bob@ from bob@, but practically none does, and a missed sighting
//     costs more than the rare false one;
//   - hashes: hex digits lower-cased (as the evaluator compares hex text), and the
//     algorithm by its vocabulary name: file:hashes.SHA256, file:hashes.sha256 and
//     file:hashes.'SHA-256' are one property;
//   - URLs and every other property: exactly as written.
//
// This departs from a literal reading of the specification, under which
// [domain-name:value = 'Example.com'] does not match example.com; the departure is the
// point of normalising. The differential test checks that the compiled matcher agrees
// with the general evaluator once both sides are in canonical form.
//
// # Updates
//
// The compiled state is an immutable snapshot behind an atomic pointer. An update
// compiles its indicators (in parallel for large batches), rebuilds only the hash-table
// shards, trie paths and record chunks it touches, and publishes a new snapshot; readers
// keep matching against the snapshot they loaded and never take a lock. Validity
// (ValidFrom, ValidUntil) is checked against the matcher's clock when a candidate hit is
// found, so expired indicators stop matching without an update.
//
// # Events and the general evaluator
//
// MatchEvent evaluates the general patterns on one observation per event (per log line),
// observed once at the event's time, whose objects are made from the observables in
// order:
//
//   - an observable sets its path in the last object of its type, or starts a new object
//     of that type when that object already has the path set (so two ipv4-addr:value
//     observables are two objects, and file:hashes.MD5 then file:hashes.'SHA-1' one);
//     list properties (protocols) are appended to instead;
//   - a path through a reference (network-traffic:dst_ref.value) sets the reference to
//     an object of the type the value's form says (ipv4-addr, ipv6-addr, email-addr,
//     mac-addr, else domain-name), reusing the event's object of that type and value if
//     there is one; the fast path looks such values up under that type too, so that
//     [ipv4-addr:value = 'x'] matches network-traffic:dst_ref.value = 'x' as the evaluator
//     would;
//   - values of addresses, domain names, e-mail addresses and hashes are in canonical
//     form; the integer properties (ports, byte and packet counts, size, pid) become
//     numbers.
//
// Patterns that need
// several observations (AND or FOLLOWEDBY between observations, REPEATS more than once)
// therefore cannot match within one line; correlating across lines is not done here.
//
// Evaluating a pattern costs far more than a lookup, so general patterns are indexed by a
// necessary condition where one can be derived from the pattern, its triggers: keys of the
// fast path one of which the event must hold for the pattern to match. The equalities and
// ISSUBSET comparisons of the fast path are triggers wherever they sit in the pattern (an
// AND or FOLLOWEDBY needs triggers on one side, an OR on both, a qualifier on what it
// qualifies), and so are x_ref.value = 'address' or ISSUBSET (the referenced address is
// looked up as an ipv4-addr or ipv6-addr), domain-name:value LIKE '%.example.com' (every
// label suffix of a domain name is looked up) and email-addr:value LIKE '%@example.com'.
// A pattern with triggers is evaluated only when the fast path finds one; a pattern
// without (a NOT, !=, a LIKE or MATCHES of another form, an OR with such a side) is
// evaluated on every event that holds an object of a type it tests, and so costs
// throughput in proportion to how many of them there are.
package match
