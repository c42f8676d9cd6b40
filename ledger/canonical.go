package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"

	"liaison"
)

// MarshalCanonical returns the canonical form (see CanonicalJSON) of v as
// encoding/json encodes it. It is the usual way to make a Record's Body.
// It writes the value in one pass where it can (see encode.go), with the
// same bytes and errors as marshalSlow.
func MarshalCanonical(v any) ([]byte, error) {
	if b, err := marshalFast(v); err == nil {
		return b, nil
	}
	return marshalSlow(v)
}

// marshalSlow is MarshalCanonical the plain way: encoding/json, then
// CanonicalJSON. The one-pass encoder falls back on it, and is tested
// against it.
func marshalSlow(v any) ([]byte, error) {
	var buf bytes.Buffer
	// Without HTML escaping there are fewer escapes to read back; the
	// canonical form is the same either way.
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("canonical json: %w", err)
	}
	return CanonicalJSON(buf.Bytes())
}

// CanonicalJSON returns the JSON Canonicalization Scheme (RFC 8785) form of
// the JSON text in data, so that the same value always hashes the same:
//
//   - no whitespace between tokens;
//   - object members sorted by their names' UTF-16 code units;
//   - strings with only the escapes JSON requires (\" \\ \b \f \n \r \t,
//     and \u00xx, in lower case, for the other control characters);
//   - numbers as IEEE 754 doubles written the way ECMAScript writes them
//     (1e+21, 0.000001, 1e-7, -0 as 0), so integers beyond 2⁵³ lose
//     precision: keep ids and large counts in strings.
//
// It rejects text that is not valid UTF-8 (escaped lone surrogates such as
// \ud800 included), duplicate member names, numbers a double cannot hold,
// and anything after the value; the error is liaison.Invalid, its field
// the JSON Pointer (RFC 6901) of the value at fault.
//
// The work is done by jsontext's Value.Canonicalize (the encoding/json/v2
// code, mirrored by github.com/go-json-experiment/json).
func CanonicalJSON(data []byte) ([]byte, error) {
	out, err := jsontext.AppendFormat(make([]byte, 0, len(data)), data,
		jsontext.CanonicalizeRawInts(true),
		jsontext.CanonicalizeRawFloats(true),
		jsontext.ReorderRawObjects(true))
	if err != nil {
		field := ""
		if serr, ok := errors.AsType[*jsontext.SyntacticError](err); ok {
			field = string(serr.JSONPointer)
		}
		return nil, liaison.Errorf(liaison.Invalid, field, "canonical json: %v", err)
	}
	// jsontext writes a number beyond a double's range as the largest
	// double; RFC 8785 (section 3.2.2.3) makes it an error, as Infinity.
	if bytes.Contains(out, []byte(maxDouble)) {
		if err := checkDoubles(data); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// maxDouble is the largest double as ECMAScript writes it.
const maxDouble = "1.7976931348623157e+308"

// checkDoubles returns an error for the first number in the valid JSON text
// data that a double cannot hold.
func checkDoubles(data []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return liaison.Errorf(liaison.Invalid, "", "canonical json: %v", err)
		}
		if tok.Kind() != '0' {
			continue
		}
		if _, err := strconv.ParseFloat(tok.String(), 64); err != nil {
			return liaison.Errorf(liaison.Invalid, string(dec.StackPointer()),
				"canonical json: number %s does not fit a double", tok.String())
		}
	}
}
