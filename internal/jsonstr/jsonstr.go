// Package jsonstr appends Go strings as JSON string literals, in the two
// forms liaison writes: canonical JSON, whose bytes are hashed into the
// log, and encoding/json's (without HTML escaping), which API answers
// match byte for byte.
package jsonstr

import "unicode/utf8"

// A Form says how a string is escaped beyond what JSON requires of every
// form ('"', '\\' and the bytes below 0x20).
type Form int

const (
	// Canonical escapes nothing more, and writes each byte of invalid
	// UTF-8 as U+FFFD itself.
	Canonical Form = iota
	// Std is encoding/json's quoting without HTML escaping: it also
	// escapes U+2028 and U+2029, and writes each byte of invalid UTF-8 as
	// the escape \ufffd.
	Std
)

// Append appends s quoted in form f to b.
func Append(b []byte, s string, f Form) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Most strings are ASCII that needs no escape: skip it eight
		// bytes at a time while it is (see plain8).
		for i+8 <= len(s) && plain8(s[i:i+8]) {
			i += 8
		}
		if i == len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			if f == Std {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, "\ufffd"...)
			}
		case f == Std && (r == '\u2028' || r == '\u2029'):
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// plain8 reports whether the 8 bytes of s are all ASCII that JSON takes
// as it is: none below 0x20, none '"' or '\\', none 0x80 or above. It
// reads them as one word and tests every byte at once (the "has a zero
// byte" and "has a byte less than n" tests of Bit Twiddling Hacks); a
// true is exact, and a false sends the bytes to the byte-by-byte loop.
func plain8(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	q, bs := x^(ones*'"'), x^(ones*'\\')
	bad := x | // a byte of 0x80 or above
		(x-ones*0x20)&^x | // a byte below 0x20
		(q-ones)&^q | // a '"'
		(bs-ones)&^bs // a '\\'
	return bad&highs == 0
}
