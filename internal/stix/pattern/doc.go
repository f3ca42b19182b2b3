// Package pattern implements the STIX 2.1 patterning language (STIX 2.1 section 9): a
// lexer and parser that follow the OASIS ANTLR grammar (STIXPattern.g4), the semantic
// checks the specification adds, a syntax tree that other packages can walk and compile,
// and an evaluator that matches a pattern against observations.
//
// # Parsing
//
// Parse accepts what the grammar accepts, token for token: keywords are upper case and
// case-sensitive, '==' and '<>' are synonyms of '=' and '!=', /* */ and // comments are
// skipped, strings know only the escapes \' and \\. It then applies the rules the
// specification states in prose:
//
//   - an object type is a STIX type name: 3 to 250 characters, lower-case letters, digits
//     and single hyphens, starting with a letter;
//   - comparisons joined by AND inside [ ] apply to one object type (section 9.5);
//   - WITHIN takes a positive number of seconds, REPEATS a count of at least 1, START is
//     before STOP; timestamps are real UTC instants (leap seconds are refused);
//   - the members of an IN set have one type (integers and floats may mix);
//   - ISSUBSET and ISSUPERSET take an IPv4 or IPv6 address or CIDR network, MATCHES a
//     regular expression that RE2 accepts (see below);
//   - an observation expression has at most one qualifier of each type (section 9, qualifiers):
//     "[a] WITHIN 5 SECONDS WITHIN 6 SECONDS" is refused, "([a] WITHIN 5 SECONDS) WITHIN 6
//     SECONDS" is not;
//   - a constant compared with a known hash has the hash's form (file:hashes.MD5 = 'abc' is
//     refused, as the OASIS validator does); list indexes are not negative; integers fit
//     in 64 bits.
//
// Every error is a *SyntaxError with the byte offset, line and column of the fault. A
// grammar error is reported before any semantic one.
//
// # The tree
//
// A Pattern holds an ObservationExpr: *ObservationSimple ([ ... ]), *ObservationBinary
// (AND, OR, FOLLOWEDBY) or *ObservationQualified (WITHIN, REPEATS, START/STOP). Inside the
// brackets a ComparisonExpr is a *ComparisonBinary (AND, OR) or a *Comparison: an
// ObjectPath, an Operator, NOT, and a Literal or a set of them. Parentheses leave no node;
// the tree's shape keeps their meaning and String puts back those it needs. Comparisons
// made by Parse carry their compiled regular expression (Regexp) and network (Prefix).
//
// # Matching
//
// Match follows the specification and, where it is silent, the OASIS reference matcher
// (cti-pattern-matcher):
//
//   - [ ... ] matches an observation holding an object for which the comparison
//     expression is true; all the comparisons of an AND hold for that one object, those of
//     an OR may hold for different objects.
//   - Observation AND binds its operands to distinct observations; an observation with
//     Count n (number_observed) can be bound n times. OR needs either operand.
//     FOLLOWEDBY needs every observation bound on the left to be possibly at or before every
//     one bound on the right: the latest first_observed on the left is not after the
//     earliest last_observed on the right. An observation may have happened at any instant
//     between its first and last observed times, and the qualifiers read it the same way:
//   - WITHIN n SECONDS: the latest first_observed minus the earliest last_observed of the
//     observations bound under it is at most n seconds.
//   - REPEATS n TIMES: n bindings of the expression on distinct observations.
//   - START s STOP t: each observation bound under it overlaps [s, t): last_observed >= s
//     and first_observed < t.
//   - Paths: a property whose name ends in _ref or _refs is followed to the object(s) it
//     names in the same observation when the path goes on (references that do not resolve
//     select nothing); [n] selects an element, [*] every element (and, as an extension,
//     every value of a dictionary, as in file:hashes[*]).
//   - A path that selects nothing makes the comparison false, with or without NOT; only
//     NOT EXISTS is true when the property is missing (from an object of the type).
//   - NOT negates the whole comparison: a:b[*] NOT = 1 holds when no element equals 1. The
//     specification negates the comparison expression; the OASIS matcher negates each
//     element instead, so there a:b[*] NOT = 1 holds when some element differs.
//   - A value and a constant of types that do not compare make the comparison false,
//     except for != which is true. Numbers compare as numbers (integers exactly), strings by
//     code point without Unicode normalisation, timestamps with string values read as RFC
//     3339. Values of _bin properties are bytes (base64); values of _hex properties and of
//     hashes are hex text, compared with strings without regard to case and with h'..' and
//     b'..' as the bytes they encode; other strings compare with h'..' and b'..' one byte
//     per character (a character above U+00FF does not compare).
//   - LIKE: % is any run of characters, _ one character; the whole value must match,
//     case-sensitively. MATCHES searches the value (it is not anchored); binary values are
//     matched one character per byte, so \xd4 matches the byte 0xd4.
//   - ISSUBSET / ISSUPERSET compare networks of one family, ignoring host bits.
//   - Matching qualifiers and observation operators is a search. It stops after 131072
//     tries of an observation, and Match then reports no match, so that a hostile pattern
//     (REPEATS over many observations) cannot hold a core for long.
//
// # MATCHES: PCRE and RE2
//
// The specification gives MATCHES PCRE syntax. This package uses Go's regexp (RE2 syntax),
// which matches in time linear in the input, a property the hub needs for patterns from
// untrusted members, and so lacks the PCRE features that need backtracking. Parse refuses
// them by name rather than let RE2 read them differently (RE2 would take \1 as an octal
// escape):
//
//   - backreferences: \1 to \9, \g{n}, \k<name>, (?P=name);
//   - lookahead and lookbehind: (?=...), (?!...), (?<=...), (?<!...);
//   - atomic groups (?>...) and possessive quantifiers *+, ++, ?+, {n,m}+;
//   - recursion and subroutine calls ((?R), (?1), (?&name), (?P>name)), conditionals
//     (?(...)...), branch reset (?|...), callouts (?C), comments (?#...) and backtracking
//     verbs such as (*FAIL) or (*UTF8);
//   - the escapes \G, \K, \Z (use \z), \R, \X, \C, \h, \H, \N, \e (use \x1b), \cX,
//     \o{...}, and \v, \V (vertical white space in PCRE, a vertical tab in RE2);
//   - inline flags other than i, m, s and U, notably (?x), and named groups written
//     (?'name'...) (write (?P<name>...) or (?<name>...)).
//
// Differences Parse cannot see, which change what some expressions match:
//
//   - $ without (?m) matches only at the very end of the value; PCRE also matches before a
//     final newline;
//   - counted repetition is limited to 1000 ({1001} is refused);
//   - \s does not match the vertical tab (PCRE's \s does since 8.34); \d, \w, \s and \b
//     are ASCII-only, as in PCRE without UCP;
//   - text is matched by Unicode code point on UTF-8, as PCRE in UTF mode; binary values
//     as described above.
package pattern
