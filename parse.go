package liaison

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds how deeply objects and arrays nest in one JSON input. The
// vocabulary nests five deep; encoding/json's Token has no bound of its own.
const maxDepth = 32

// parseJSON parses data, one JSON value and nothing after it, into generic
// values (map[string]any, []any, string, json.Number, bool, nil) for
// decodeValue to check against a type. It is strict where encoding/json is
// lenient, so that input is valid or refused and never rewritten: a
// string or member name holding invalid UTF-8 or an escaped lone surrogate
// (which encoding/json turns into U+FFFD) or NUL (which PostgreSQL cannot
// store in text), and a member name given twice in one object (where
// encoding/json keeps the last), are errors naming the place.
//
// It walks encoding/json's tokens and looks at each string's bytes as
// written, which the tokens no longer show.
func parseJSON(data []byte) (any, error) {
	p := &parser{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	v, err := p.value("")
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, Errorf(Invalid, "", "unexpected data after the JSON object")
	}
	return v, nil
}

type parser struct {
	data  []byte
	dec   *json.Decoder
	depth int
}

// token returns the next token and the input it was read from (with any
// separator before it).
func (p *parser) token() (json.Token, []byte, error) {
	start := p.dec.InputOffset()
	tok, err := p.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		// Token's syntax errors count their offsets from where its
		// last value began; Unmarshal's scan of the whole input places
		// the error in it.
		var se *json.SyntaxError
		if errors.As(err, &se) {
			var whole any
			if err2 := json.Unmarshal(p.data, &whole); errors.As(err2, &se) {
				err = err2
			}
		}
		return nil, nil, &Error{Kind: Invalid, Message: "malformed JSON", Err: jsonError(p.data, err)}
	}
	return tok, p.data[start:p.dec.InputOffset()], nil
}

// value parses the value at path.
func (p *parser) value(path string) (any, error) {
	tok, in, err := p.token()
	if err != nil {
		return nil, err
	}
	switch tok := tok.(type) {
	case json.Delim:
		if p.depth++; p.depth > maxDepth {
			return nil, Errorf(Invalid, path, "nested more than %d deep", maxDepth)
		}
		defer func() { p.depth-- }()
		if tok == '{' {
			return p.object(path)
		}
		return p.array(path)
	case string:
		if msg := checkString(in); msg != "" {
			return nil, Errorf(Invalid, path, "%s", msg)
		}
	}
	return tok, nil
}

func (p *parser) object(path string) (any, error) {
	m := map[string]any{}
	for {
		tok, in, err := p.token()
		if err != nil {
			return nil, err
		}
		k, ok := tok.(string)
		if !ok { // the closing brace: Token allows nothing else here
			return m, nil
		}
		kp := join(path, k)
		if msg := checkString(in); msg != "" {
			return nil, Errorf(Invalid, kp, "the member name %s", msg)
		}
		if _, dup := m[k]; dup {
			return nil, Errorf(Invalid, kp, "%q is given twice in one object; give it once", k)
		}
		if m[k], err = p.value(kp); err != nil {
			return nil, err
		}
	}
}

func (p *parser) array(path string) (any, error) {
	a := []any{}
	for p.dec.More() {
		v, err := p.value(path + "[" + strconv.Itoa(len(a)) + "]")
		if err != nil {
			return nil, err
		}
		a = append(a, v)
	}
	if _, _, err := p.token(); err != nil { // the closing bracket
		return nil, err
	}
	return a, nil
}

// checkString says what is wrong with the input in that ends with a string
// literal as written (after any separator and spaces, which hold no quote),
// or "" when it is Unicode text without NUL. The literal is valid JSON
// already: its escapes are well formed.
func checkString(in []byte) string {
	lit := in[bytes.IndexByte(in, '"'):]
	if !utf8.Valid(lit) {
		return "is not valid UTF-8"
	}
	if bytes.IndexByte(lit, '\\') < 0 {
		return ""
	}
	for i := 0; i < len(lit); i++ {
		if lit[i] != '\\' {
			continue
		}
		i++
		if lit[i] != 'u' {
			continue
		}
		r := hex4(lit[i+1:])
		i += 4
		switch {
		case r == 0:
			return `holds NUL (\u0000), which is not allowed`
		case r >= 0xd800 && r < 0xdc00: // a high surrogate needs a low one next
			if i+6 < len(lit) && lit[i+1] == '\\' && lit[i+2] == 'u' {
				if lo := hex4(lit[i+3:]); lo >= 0xdc00 && lo < 0xe000 {
					i += 6
					continue
				}
			}
			return "holds a lone surrogate (" + string(lit[i-5:i+1]) + "), which is not Unicode text"
		case utf16.IsSurrogate(r):
			return "holds a lone surrogate (" + string(lit[i-5:i+1]) + "), which is not Unicode text"
		}
	}
	return ""
}

// hex4 reads the four hex digits at the start of b.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		}
	}
	return r
}
