package desk

import (
	"encoding/binary"
	"errors"
	"time"
)

// The replay rows' pages (liaison.ReplayPage): up to pageRows rows of one
// agency, in leaf order, each a run of varints naming the strings of the
// index by their numbers. A row is
//
//	leaf − previous row's leaf (uvarint; the first row's previous is 0)
//	as_of − previous row's as_of, microseconds (varint)
//	action, outcome, decisive rules, pack set, engine, fact set, time zone
//	  (uvarints: string numbers)
//	its times: how many (uvarint), each its path (uvarint: a string
//	  number), seconds (varint), nanoseconds (uvarint) and zone offset
//	  in seconds (varint)
//	its decision's and request's ids (uvarint length, bytes)
//
// The fact set is the decision's facts as they stood, without their
// times (splitFacts); the time zone the one its day is counted in.

// pageRows is how many rows a page holds (the last one of an agency
// fewer, until it is full).
const pageRows = 1024

// pageRow is one decoded row. id and request point into the page's body.
type pageRow struct {
	index, asOf                                             int64
	action, outcome, decisive, packSet, engine, facts, zone uint32
	times                                                   []rowTime
	id, request                                             []byte
}

// rowTime is one time of a row's facts.
type rowTime struct {
	path   uint32
	sec    int64
	nsec   uint32
	offset int32
}

func (t rowTime) time() time.Time {
	at := time.Unix(t.sec, int64(t.nsec))
	if t.offset == 0 {
		return at.UTC()
	}
	return at.In(time.FixedZone("", int(t.offset)))
}

func newRowTime(path uint32, t time.Time) rowTime {
	_, off := t.Zone()
	return rowTime{path: path, sec: t.Unix(), nsec: uint32(t.Nanosecond()), offset: int32(off)}
}

// appendRow encodes r after prev (the page's previous row, or a zero row)
// onto b.
func appendRow(b []byte, prev, r *pageRow) []byte {
	b = binary.AppendUvarint(b, uint64(r.index-prev.index))
	b = binary.AppendVarint(b, r.asOf-prev.asOf)
	for _, v := range [...]uint32{r.action, r.outcome, r.decisive, r.packSet, r.engine, r.facts, r.zone} {
		b = binary.AppendUvarint(b, uint64(v))
	}
	b = binary.AppendUvarint(b, uint64(len(r.times)))
	for _, t := range r.times {
		b = binary.AppendUvarint(b, uint64(t.path))
		b = binary.AppendVarint(b, t.sec)
		b = binary.AppendUvarint(b, uint64(t.nsec))
		b = binary.AppendVarint(b, int64(t.offset))
	}
	b = binary.AppendUvarint(b, uint64(len(r.id)))
	b = append(b, r.id...)
	b = binary.AppendUvarint(b, uint64(len(r.request)))
	return append(b, r.request...)
}

var errPage = errors.New("a replay page that does not decode (run `liaison log verify`)")

// pageReader decodes a page's rows one after another.
type pageReader struct {
	b    []byte
	row  pageRow
	strs int // how many strings the index holds: a row names no other
	err  error
}

func (p *pageReader) uvarint() uint64 {
	v, n := binary.Uvarint(p.b)
	if n <= 0 {
		p.err, p.b = errPage, nil
		return 0
	}
	p.b = p.b[n:]
	return v
}

func (p *pageReader) varint() int64 {
	v, n := binary.Varint(p.b)
	if n <= 0 {
		p.err, p.b = errPage, nil
		return 0
	}
	p.b = p.b[n:]
	return v
}

func (p *pageReader) str() uint32 {
	v := p.uvarint()
	if v >= uint64(p.strs) {
		p.err, p.b = errPage, nil
		return 0
	}
	return uint32(v)
}

func (p *pageReader) bytes() []byte {
	n := p.uvarint()
	if n > uint64(len(p.b)) {
		p.err, p.b = errPage, nil
		return nil
	}
	v := p.b[:n:n]
	p.b = p.b[n:]
	return v
}

// next decodes the next row into p.row; false at the end of the page or
// at an error (p.err).
func (p *pageReader) next() bool {
	if len(p.b) == 0 || p.err != nil {
		return false
	}
	r := &p.row
	r.index += int64(p.uvarint())
	r.asOf += p.varint()
	r.action, r.outcome, r.decisive, r.packSet, r.engine, r.facts, r.zone = p.str(), p.str(), p.str(), p.str(), p.str(), p.str(), p.str()
	n := p.uvarint()
	if n > uint64(len(p.b)) {
		p.err, p.b = errPage, nil
		return false
	}
	r.times = r.times[:0]
	for range n {
		r.times = append(r.times, rowTime{path: p.str(), sec: p.varint(), nsec: uint32(p.uvarint()), offset: int32(p.varint())})
	}
	r.id, r.request = p.bytes(), p.bytes()
	return p.err == nil
}
