package law

import (
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	costpkg "cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"

	"liaison"
)

// costLimit bounds the work one condition may do in one evaluation, as
// CEL's static cost estimate on the largest request the decoder accepts
// (lists of liaison.MaxListItems, strings of liaison.MaxRequestBytes). An
// expression over it is rejected at load, so evaluation needs no runtime
// cost tracking (which would cost a fifth of a decision's time).
const costLimit = 10_000_000

// sizeEstimator tells CEL's cost estimator how large request values can be.
type sizeEstimator struct{}

func (sizeEstimator) EstimateSize(n costpkg.AstNode) *costpkg.SizeEstimate {
	switch n.Type().Kind() {
	case types.ListKind:
		return &costpkg.SizeEstimate{Min: 0, Max: liaison.MaxListItems}
	case types.StringKind:
		return &costpkg.SizeEstimate{Min: 0, Max: liaison.MaxRequestBytes}
	}
	return nil
}

func (sizeEstimator) EstimateCallCost(function, overloadID string, target *costpkg.AstNode, args []costpkg.AstNode) *costpkg.CallEstimate {
	switch function {
	case "listed_in", "in_named_list":
		return &costpkg.CallEstimate{CostEstimate: costpkg.Estimate{Min: 1, Max: 200}}
	case "business_hours_between":
		return &costpkg.CallEstimate{CostEstimate: costpkg.Estimate{Min: 1, Max: 2000}}
	}
	return nil
}

// variable is a top-level CEL variable: a field of liaison.Request.
type variable struct {
	name  string
	typ   *cel.Type
	index int                     // of the field in liaison.Request
	read  func(reflect.Value) any // the field, as CEL reads it
}

// newBaseEnv returns the CEL environment every pack is compiled in: the
// request's fields as variables, typed from the Go vocabulary, and the
// functions the law needs. It also returns the variables it declared.
func newBaseEnv() (*cel.Env, []variable, error) {
	rt := reflect.TypeFor[liaison.Request]()
	reg, err := types.NewRegistry()
	if err != nil {
		return nil, nil, fmt.Errorf("build CEL environment: %w", err)
	}
	vocab, err := newVocabulary(rt, reg, reg)
	if err != nil {
		return nil, nil, fmt.Errorf("build CEL environment: %w", err)
	}
	if rt.NumField() > 64 {
		return nil, nil, fmt.Errorf("build CEL environment: %s has %d fields; the activation reads at most 64", rt, rt.NumField())
	}
	vars := make([]variable, 0, rt.NumField())
	opts := []cel.EnvOption{
		cel.CustomTypeAdapter(vocab),
		cel.CustomTypeProvider(vocab),
		ext.Strings(),
		cel.Function("years_between", cel.Overload("years_between_timestamp_timestamp",
			[]*cel.Type{cel.TimestampType, cel.TimestampType}, cel.IntType,
			cel.BinaryBinding(timeBinding(yearsBetween)))),
		cel.Function("months_between", cel.Overload("months_between_timestamp_timestamp",
			[]*cel.Type{cel.TimestampType, cel.TimestampType}, cel.IntType,
			cel.BinaryBinding(timeBinding(monthsBetween)))),
		cel.Function("days_between", cel.Overload("days_between_timestamp_timestamp",
			[]*cel.Type{cel.TimestampType, cel.TimestampType}, cel.IntType,
			cel.BinaryBinding(timeBinding(daysBetween)))),
		cel.Function("business_hours_between", cel.Overload("business_hours_between_timestamp_timestamp",
			[]*cel.Type{cel.TimestampType, cel.TimestampType}, cel.DoubleType,
			cel.BinaryBinding(func(a, b ref.Val) ref.Val {
				ta, ok1 := timeOf(a)
				tb, ok2 := timeOf(b)
				if !ok1 || !ok2 {
					return types.NewErr("business_hours_between: want two timestamps")
				}
				return types.Double(BusinessHoursBetween(ta, tb))
			}))),
	}
	for i := range rt.NumField() {
		f := rt.Field(i)
		name := fieldName(f)
		t, err := vocab.celType(f.Type)
		if err != nil {
			return nil, nil, fmt.Errorf("declare %s: %w", name, err)
		}
		rd, err := vocab.reader(f.Type, true)
		if err != nil {
			return nil, nil, fmt.Errorf("declare %s: %w", name, err)
		}
		vars = append(vars, variable{name: name, typ: t, index: i, read: rd.read})
		opts = append(opts, cel.Variable(name, t))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("build CEL environment: %w", err)
	}
	return env, vars, nil
}

// timeOf returns the time of a timestamp, without boxing it as
// Timestamp.Value would.
func timeOf(v ref.Val) (time.Time, bool) {
	if ts, ok := v.(types.Timestamp); ok {
		return ts.Time, true
	}
	t, ok := v.Value().(time.Time)
	return t, ok
}

func timeBinding(f func(a, b time.Time) int64) func(a, b ref.Val) ref.Val {
	return func(a, b ref.Val) ref.Val {
		ta, ok1 := timeOf(a)
		tb, ok2 := timeOf(b)
		if !ok1 || !ok2 {
			return types.NewErr("want two timestamps")
		}
		return types.Int(f(ta, tb))
	}
}

// listEnv extends env with the functions that read a pack version's named
// lists: o.listed_in("list") and in_named_list(s, "list").
func listEnv(env *cel.Env, lists map[string]*compiledList) (*cel.Env, error) {
	offense := cel.ObjectType(typeName(reflect.TypeFor[liaison.Offense]()))
	return env.Extend(
		cel.Function("listed_in", cel.MemberOverload("offense_listed_in_string",
			[]*cel.Type{offense, cel.StringType}, cel.BoolType,
			cel.BinaryBinding(func(a, b ref.Val) ref.Val {
				l, ok := lists[string(b.(types.String))]
				if !ok {
					return types.NewErr("no list %q", b)
				}
				switch o := a.Value().(type) {
				case liaison.Offense:
					return types.Bool(l.matches(&o))
				case *liaison.Offense:
					return types.Bool(l.matches(o))
				}
				return types.NewErr("listed_in: want an offense, got %T", a.Value())
			}))),
		cel.Function("in_named_list", cel.Overload("in_named_list_string_string",
			[]*cel.Type{cel.StringType, cel.StringType}, cel.BoolType,
			cel.BinaryBinding(func(a, b ref.Val) ref.Val {
				l, ok := lists[string(b.(types.String))]
				if !ok {
					return types.NewErr("no list %q", b)
				}
				s, _ := a.Value().(string)
				return types.Bool(l.items[s])
			}))),
	)
}

// compiledList is a named list ready for matching.
type compiledList struct {
	items      map[string]bool // every item as written
	codes      []string        // normalized offence codes
	categories map[liaison.Category]bool
}

func compileList(l *List) *compiledList {
	c := &compiledList{items: make(map[string]bool), categories: make(map[liaison.Category]bool)}
	for _, it := range l.Items {
		c.items[it] = true
		if cat, ok := strings.CutPrefix(it, "category:"); ok {
			c.categories[liaison.Category(cat)] = true
			continue
		}
		c.codes = append(c.codes, normalizeCode(it))
	}
	return c
}

// matches reports whether o is named by the list, by code or by category.
// A listed code matches itself and its subsections: "CA PC 245" matches
// "CA PC 245(a)(1)" but not "CA PC 2450" or "CA PC 245.5".
func (c *compiledList) matches(o *liaison.Offense) bool {
	for _, cat := range o.Categories {
		if c.categories[cat] {
			return true
		}
	}
	if len(c.codes) == 0 {
		return false
	}
	var buf [64]byte
	code, ok := appendCode(buf[:0], o.Offense)
	if !ok {
		code = []byte(normalizeCode(o.Offense))
	}
	for _, want := range c.codes {
		if len(code) >= len(want) && string(code[:len(want)]) == want {
			if rest := code[len(want):]; len(rest) == 0 || rest[0] == '(' {
				return true
			}
		}
	}
	return false
}

// appendCode appends normalizeCode(s) to dst without allocating (when dst
// has room), for ASCII s; for other s it reports false.
func appendCode(dst []byte, s string) ([]byte, bool) {
	space := false // a space is due before the next character of a word
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			return dst, false
		case c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r':
			space = len(dst) > 0
		default:
			if space && c != '(' {
				dst = append(dst, ' ')
			}
			space = false
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
		}
	}
	return dst, true
}

// normalizeCode folds case and spacing: "ca  pc 245 (a)" -> "CA PC 245(A)".
func normalizeCode(s string) string {
	s = strings.ToUpper(strings.Join(strings.Fields(s), " "))
	return strings.ReplaceAll(s, " (", "(")
}
