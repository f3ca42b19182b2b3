// Package pattern implements the STIX 2.1 patterning language (STIX 2.1 section 9): a
// lexer and parser that follow the OASIS ANTLR grammar (STIXPattern.g4), the semantic
// checks the specification adds, a syntax tree that other packages can walk, and an
// evaluator that matches a pattern against observations.
package pattern
