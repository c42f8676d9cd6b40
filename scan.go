package liaison

import (
	"encoding/json"
	"errors"
	"fmt"
)

// scanStrings reads the members of the JSON object body and, for each
// whose key dest maps to a place (not nil), decodes its value, which must
// be a string or null, into that place; a key given twice counts last, as
// encoding/json decodes it. The other members are skipped without being
// decoded.
//
// Why not json.Unmarshal into a struct of the few fields: it checks and
// decodes the whole body, two passes of its byte-at-a-time scanner, and
// the stores derive the columns of every record they append or read (see
// ColumnsOf): for a 10 KB decision record that cost about 150 µs, as much
// as the rest of an intake's decision. Skipping a value here looks for the
// next quote or bracket instead. The values skipped are not checked as
// JSON: a body that is not is for its reader to refuse, when it decodes it.
// BenchmarkColumnsOf in package ledger measures both.
func scanStrings(body []byte, dest func(key []byte) *string) error {
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return errors.New("not a JSON object")
	}
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		return trailing(body, i+1)
	}
	for {
		if i >= len(body) || body[i] != '"' {
			return fmt.Errorf("offset %d: want a member's name", i)
		}
		end, err := stringEnd(body, i)
		if err != nil {
			return err
		}
		key, err := unquoteBytes(body[i:end])
		if err != nil {
			return err
		}
		i = skipSpace(body, end)
		if i >= len(body) || body[i] != ':' {
			return fmt.Errorf("offset %d: want ':' after %q", i, key)
		}
		i = skipSpace(body, i+1)
		if to := dest(key); to != nil {
			switch {
			case i < len(body) && body[i] == '"':
				end, err := stringEnd(body, i)
				if err != nil {
					return err
				}
				if *to, err = unquote(body[i:end]); err != nil {
					return err
				}
				i = end
			case len(body)-i >= 4 && string(body[i:i+4]) == "null":
				i += 4
			default:
				return fmt.Errorf("%q is not a string", key)
			}
		} else if i, err = skipValue(body, i); err != nil {
			return err
		}
		i = skipSpace(body, i)
		switch {
		case i < len(body) && body[i] == ',':
			i = skipSpace(body, i+1)
		case i < len(body) && body[i] == '}':
			return trailing(body, i+1)
		default:
			return fmt.Errorf("offset %d: want ',' or '}'", i)
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

func trailing(b []byte, i int) error {
	if i = skipSpace(b, i); i != len(b) {
		return fmt.Errorf("offset %d: data after the object", i)
	}
	return nil
}

// stringEnd returns the offset just past the string that starts at b[i]
// (a quote).
func stringEnd(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++ // the escaped byte
		case '"':
			return j + 1, nil
		}
	}
	return 0, fmt.Errorf("offset %d: unterminated string", i)
}

// unquoteBytes decodes a quoted JSON string; one without escapes is
// returned in place.
func unquoteBytes(q []byte) ([]byte, error) {
	for _, c := range q {
		if c == '\\' {
			s, err := unquote(q)
			return []byte(s), err
		}
	}
	return q[1 : len(q)-1], nil
}

// unquote decodes a quoted JSON string; one without escapes is copied.
func unquote(q []byte) (string, error) {
	for _, c := range q {
		if c == '\\' {
			var s string
			if err := json.Unmarshal(q, &s); err != nil {
				return "", err
			}
			return s, nil
		}
	}
	return string(q[1 : len(q)-1]), nil
}

// skipValue returns the offset just past the value that starts at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errors.New("unexpected end of the body")
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := stringEnd(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, fmt.Errorf("offset %d: unterminated object or array", i)
	}
	// A number, true, false or null: up to the next delimiter.
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	if j == i {
		return 0, fmt.Errorf("offset %d: want a value", i)
	}
	return j, nil
}
