package law

import (
	"reflect"

	"cel.dev/cel-go/interpreter"

	"liaison"
)

// absent returns the bits of the unknown-when-absent facts req lacks.
func (s *Set) absent(req *liaison.Request) uint64 {
	var m uint64
	rv := reflect.ValueOf(req).Elem()
	for i, u := range s.unknowns {
		if u.absent(rv) {
			m |= 1 << i
		}
	}
	return m
}

// activation presents a request to CEL. Each variable is read once per
// decision, when a condition first needs it.
type activation struct {
	vars []variable
	req  reflect.Value // the liaison.Request, or no value
	vals []any         // by variable
	read uint64        // bit i: vals[i] is variable i of req (newBaseEnv declares at most 64)
}

// activation returns a new activation of req.
func (s *Set) activation(req *liaison.Request) *activation {
	a := new(activation)
	a.reset(s.vars, req)
	return a
}

// reset makes a present req.
func (a *activation) reset(vars []variable, req *liaison.Request) {
	a.vars, a.read = vars, 0
	a.req = reflect.Value{}
	if req != nil {
		a.req = reflect.ValueOf(req).Elem()
	}
	if len(a.vals) < len(vars) {
		a.vals = make([]any, len(vars))
	}
}

func (a *activation) ResolveName(name string) (any, bool) {
	for i := range a.vars {
		v := &a.vars[i]
		if v.name == name {
			if a.read&(1<<i) == 0 {
				a.vals[i] = v.read(a.req.Field(v.index))
				a.read |= 1 << i
			}
			return a.vals[i], true
		}
	}
	return nil, false
}

func (a *activation) Parent() interpreter.Activation { return nil }
