package desk

import (
	"bytes"
	"fmt"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"liaison"
)

// decodeSimDecision reads, from a stored decision's body, the members a
// simulation needs (simDecision) and skips the rest without decoding it:
// the explanation, duties and what would change it are most of a
// decision's bytes, and decoding them took as long as deciding it again
// (BenchmarkReplay). Of the decisive rules it reads the pack and rule
// only. TestDecodeRecordAsEncodingJSON checks it against encoding/json.
func decodeSimDecision(dec *jsontext.Decoder, body []byte, d *simDecision) error {
	dec.Reset(bytes.NewReader(body))
	if err := expect(dec, '{'); err != nil {
		return err
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return err
		}
		switch name.String() {
		case "id":
			err = readString(dec, &d.ID)
		case "action":
			var s string
			err = readString(dec, &s)
			d.Action = liaison.Action(s)
		case "as_of":
			var s string
			if err = readString(dec, &s); err == nil {
				d.AsOf, err = time.Parse(time.RFC3339Nano, s)
			}
		case "pack_set":
			err = readString(dec, &d.PackSet)
		case "engine":
			err = readString(dec, &d.Engine)
		case "facts":
			err = readString(dec, &d.Facts)
		case "decision":
			err = decodeOutcome(dec, d)
		default:
			err = dec.SkipValue()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name.String(), err)
		}
	}
	_, err := dec.ReadToken()
	return err
}

// decodeOutcome reads a decision's outcome and decisive rules.
func decodeOutcome(dec *jsontext.Decoder, d *simDecision) error {
	if err := expect(dec, '{'); err != nil {
		return err
	}
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			return err
		}
		switch name.String() {
		case "outcome":
			var s string
			err = readString(dec, &s)
			d.Decision.Outcome = liaison.Outcome(s)
		case "decisive":
			err = decodeDecisive(dec, &d.Decision.Decisive)
		default:
			err = dec.SkipValue()
		}
		if err != nil {
			return err
		}
	}
	_, err := dec.ReadToken()
	return err
}

// decodeDecisive reads the pack and rule of each decisive rule: all a
// comparison of answers reads (law.SameAnswer).
func decodeDecisive(dec *jsontext.Decoder, out *[]liaison.RuleRef) error {
	if err := expect(dec, '['); err != nil {
		return err
	}
	for dec.PeekKind() != ']' {
		if err := expect(dec, '{'); err != nil {
			return err
		}
		var r liaison.RuleRef
		for dec.PeekKind() != '}' {
			name, err := dec.ReadToken()
			if err != nil {
				return err
			}
			switch name.String() {
			case "pack":
				err = readString(dec, &r.Pack)
			case "rule":
				err = readString(dec, &r.Rule)
			default:
				err = dec.SkipValue()
			}
			if err != nil {
				return err
			}
		}
		if _, err := dec.ReadToken(); err != nil {
			return err
		}
		*out = append(*out, r)
	}
	_, err := dec.ReadToken()
	return err
}

func expect(dec *jsontext.Decoder, k jsontext.Kind) error {
	t, err := dec.ReadToken()
	if err != nil {
		return err
	}
	if t.Kind() != k {
		return fmt.Errorf("got %v, want %v", t.Kind(), k)
	}
	return nil
}

func readString(dec *jsontext.Decoder, s *string) error {
	t, err := dec.ReadToken()
	if err != nil {
		return err
	}
	if t.Kind() != '"' {
		return fmt.Errorf("got %v, want a string", t.Kind())
	}
	*s = t.String()
	return nil
}
