package desk

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"liaison"
)

// A simulation's fact sets, decoded once. A row's request is its fact set
// (a string of the replay index: the facts without their times) with the
// row's times, as_of and action. Decoding the fact set was most of what
// deciding an input cost (about 10 µs of a 12 µs input on
// BenchmarkSimulateHistory's Boston proposal), and the same fact set is
// met by many inputs (other days, other times) and by the changes
// explained: factSets decodes each once for every reader and explainer
// of a simulation, and a timeSetter makes a row's request from it as a
// copy that shares with it everything the row's times do not reach (the
// pointers and lists on a time's path are copied before it is set). The
// engine does not change a request it decides (law.Set.Decide copies
// what it puts in the agency's zone), so the shared parts stay as
// decoded. TestFactSetRequests compares the requests made so with
// decoding the fact set for each row.

// factSets decodes the fact sets of strs, each once, for any goroutine.
type factSets struct {
	strs []string
	mu   sync.Mutex
	reqs map[uint32]*liaison.Request // decoded: never changed
}

func newFactSets(strs []string) *factSets {
	return &factSets{strs: strs, reqs: map[uint32]*liaison.Request{}}
}

// get returns fact set n decoded, decoding it when no goroutine has
// (outside the lock: two may decode it at once, and the first is kept).
func (f *factSets) get(n uint32) (*liaison.Request, error) {
	f.mu.Lock()
	r := f.reqs[n]
	f.mu.Unlock()
	if r != nil {
		return r, nil
	}
	r = new(liaison.Request)
	if err := decodeRecord([]byte(f.strs[n]), r); err != nil {
		return nil, fmt.Errorf("decode fact set %d: %w", n, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if first := f.reqs[n]; first != nil {
		return first, nil
	}
	f.reqs[n] = r
	return r, nil
}

// timeSetter makes rows' requests from their decoded fact sets, for one
// goroutine.
type timeSetter struct {
	strs  []string
	plans map[uint32][]int // a time's path (a string number) → its steps
	// fresh holds what the request being made has copied (pointees and
	// list arrays, by address): those are its own, set in place.
	fresh []uintptr
}

func newTimeSetter(strs []string) *timeSetter {
	return &timeSetter{strs: strs, plans: map[uint32][]int{}}
}

// request returns a copy of tmpl with times set, and as_of and action.
// The copy shares with tmpl all that the times do not reach.
func (ts *timeSetter) request(tmpl *liaison.Request, times []rowTime, asOf time.Time, action liaison.Action) (*liaison.Request, error) {
	req := *tmpl
	req.AsOf, req.Action = asOf, action
	if len(times) == 0 {
		return &req, nil
	}
	root := reflect.ValueOf(&req).Elem()
	ts.fresh = ts.fresh[:0]
	for _, t := range times {
		plan, err := ts.plan(t.path)
		if err != nil {
			return nil, err
		}
		v := root
		for _, step := range plan {
			v = ts.own(v)
			switch v.Kind() {
			case reflect.Slice:
				if step >= v.Len() {
					return nil, fmt.Errorf("no %s in the fact set", ts.strs[t.path])
				}
				v = v.Index(step)
			case reflect.Struct:
				v = v.Field(step)
			default: // a nil pointer
				return nil, fmt.Errorf("no %s in the fact set", ts.strs[t.path])
			}
		}
		v.Set(reflect.ValueOf(t.time())) // a time.Time: plan checked it
	}
	return &req, nil
}

// own follows v's pointers, copying each pointee the request does not
// own yet, and copies a list it does not own; it returns the value
// reached, the request's own to change. A nil pointer is left as is (the
// caller finds no field under it).
func (ts *timeSetter) own(v reflect.Value) reflect.Value {
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		if !slices.Contains(ts.fresh, v.Pointer()) {
			c := reflect.New(v.Type().Elem())
			c.Elem().Set(v.Elem())
			v.Set(c)
			ts.fresh = append(ts.fresh, c.Pointer())
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.Slice && v.Len() > 0 && !slices.Contains(ts.fresh, v.Pointer()) {
		c := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(c, v)
		v.Set(c)
		ts.fresh = append(ts.fresh, c.Pointer())
	}
	return v
}

// plan returns the steps to the time at path (as zeroTimes writes it)
// from a Request: for each segment, a list index or a field's index.
func (ts *timeSetter) plan(path uint32) ([]int, error) {
	if p, ok := ts.plans[path]; ok {
		return p, nil
	}
	name := ts.strs[path]
	t := reflect.TypeFor[liaison.Request]()
	var plan []int
	for seg := range strings.SplitSeq(name, ".") {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Slice:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 {
				return nil, fmt.Errorf("no %s in the fact set", name)
			}
			plan, t = append(plan, i), t.Elem()
		case reflect.Struct:
			i := -1
			for j := range t.NumField() {
				if f := t.Field(j); f.IsExported() && jsonName(f) == seg {
					i = j
					break
				}
			}
			if i < 0 {
				return nil, fmt.Errorf("no %s in the fact set", name)
			}
			plan, t = append(plan, i), t.Field(i).Type
		default:
			return nil, fmt.Errorf("no %s in the fact set", name)
		}
	}
	if t != timeType {
		return nil, fmt.Errorf("%s is not a time", name)
	}
	ts.plans[path] = plan
	return plan, nil
}
