package law

import (
	"fmt"
	"strings"

	"cel.dev/cel-go/common"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/parser"

	"liaison"
)

// A Clause is a rule's condition, or a part of it, in plain words for
// readers of the law pages: a leaf says one test of the facts ("request ›
// form is one of I-247A, I-247D"); a group joins its items with Op.
type Clause struct {
	// Op is "all of", "any of", "not", "for some item of" or "for every
	// item of" for a group; "" for a leaf.
	Op string
	// Text is the leaf's test in words, or, for a group over the items of
	// a list ("for some item of"), the list's fact.
	Text  string
	Items []Clause
	// Says is what the pack says the condition means, on the clause of
	// each condition a rule lists.
	Says string
}

// String writes the clause on one line, groups in brackets:
// "all of [a is “x”; not [b is true]]".
func (c Clause) String() string {
	if c.Op == "" {
		return c.Text
	}
	var b strings.Builder
	b.WriteString(c.Op)
	if c.Text != "" {
		b.WriteString(" " + c.Text + ":")
	}
	b.WriteString(" [")
	for i, it := range c.Items {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(it.String())
	}
	b.WriteString("]")
	return b.String()
}

// The ways a group joins its items.
const (
	AllOf   = "all of"
	AnyOf   = "any of"
	Not     = "not"
	SomeOf  = "for some item of"
	EveryOf = "for every item of"
)

// Readable returns the rule's condition as a Clause: all of its
// conditions (one clause when it has one), or a leaf "always" when it has
// none. Readable shows the CEL's structure, not its meaning in the law:
// the rule's Says gives that.
func (r *Rule) Readable() Clause {
	var items []Clause
	for _, c := range r.When {
		cl, err := ReadableCEL(c.CEL)
		if err != nil {
			// Loaded rules compiled; a parse error here is a bug.
			cl = Clause{Text: c.CEL}
		}
		cl.Says = c.Says
		items = append(items, cl)
	}
	switch len(items) {
	case 0:
		return Clause{Text: "always"}
	case 1:
		return items[0]
	}
	// Not flattened: each item is one condition, with its Says.
	return Clause{Op: AllOf, Items: items}
}

// ReadableCEL renders a CEL condition over the request's facts as a
// Clause: && and || become "all of" and "any of" lists, ! becomes "not",
// exists and all over a list become "for some / every item of" it, and
// each comparison a leaf that names the fact by its path in the request
// (see FactLabel). The expression is parsed, not checked: the pack
// loader has checked it already.
func ReadableCEL(src string) (Clause, error) {
	// No macros: has(), exists() and all() stay calls, as written, rather
	// than the comprehensions they expand to.
	p, err := parser.NewParser()
	if err != nil {
		return Clause{}, fmt.Errorf("readable: %w", err)
	}
	tree, errs := p.Parse(common.NewTextSource(src))
	if errs != nil && len(errs.GetErrors()) > 0 {
		return Clause{}, fmt.Errorf("readable %q: %s", src, errs.ToDisplayString())
	}
	rd := wording{info: tree.SourceInfo(), items: map[string]string{}}
	return flatten(rd.clause(tree.Expr())), nil
}

// FactLabel names a fact by its path in the request, in words:
// "subject.custody.status" reads "subject › custody › status".
func FactLabel(path string) string {
	return strings.ReplaceAll(strings.ReplaceAll(path, ".", " › "), "_", " ")
}

// PlaceName returns a jurisdiction's name for readers: "federal",
// "California", or its last segment in words ("Los Angeles County").
func PlaceName(j liaison.Jurisdiction) string { return placeName(j) }

type wording struct {
	info *celast.SourceInfo
	// items names the variables of exists() and all() by the list they
	// range over ("item of request › info requested").
	items map[string]string
}

func (rd wording) clause(e celast.Expr) Clause {
	if e.Kind() != celast.CallKind {
		return Clause{Text: rd.term(e) + rd.isTrue(e)}
	}
	call := e.AsCall()
	args := call.Args()
	switch fn := call.FunctionName(); {
	case fn == operators.LogicalAnd && len(args) == 2:
		return Clause{Op: AllOf, Items: []Clause{rd.clause(args[0]), rd.clause(args[1])}}
	case fn == operators.LogicalOr && len(args) == 2:
		return Clause{Op: AnyOf, Items: []Clause{rd.clause(args[0]), rd.clause(args[1])}}
	case fn == operators.LogicalNot && len(args) == 1:
		// A negated leaf reads better as a leaf: "is not one of", "is not true".
		switch a := args[0]; {
		case a.Kind() == celast.SelectKind || a.Kind() == celast.IdentKind:
			return Clause{Text: rd.term(a) + " is not true"}
		case a.Kind() == celast.CallKind && a.AsCall().FunctionName() == operators.In && len(a.AsCall().Args()) == 2:
			in := a.AsCall().Args()
			return Clause{Text: rd.term(in[0]) + " is not " + rd.among(in[1])}
		}
		return Clause{Op: Not, Items: []Clause{rd.clause(args[0])}}
	case (fn == operators.Exists || fn == operators.All) && call.IsMemberFunction() && len(args) == 2 && args[0].Kind() == celast.IdentKind:
		list := rd.term(call.Target())
		inner := wording{info: rd.info, items: map[string]string{}}
		for k, v := range rd.items {
			inner.items[k] = v
		}
		inner.items[args[0].AsIdent()] = "it"
		op := SomeOf
		if fn == operators.All {
			op = EveryOf
		}
		return Clause{Op: op, Text: list, Items: []Clause{inner.clause(args[1])}}
	}
	return Clause{Text: rd.test(e)}
}

// comparisons are the operators a leaf says in words.
var comparisons = map[string]string{
	operators.Equals:        "is",
	operators.NotEquals:     "is not",
	operators.Less:          "is less than",
	operators.LessEquals:    "is at most",
	operators.Greater:       "is more than",
	operators.GreaterEquals: "is at least",
}

// test says a call that is not a connective: a comparison, membership, a
// named list, has(), or any other function.
func (rd wording) test(e celast.Expr) string {
	call := e.AsCall()
	args := call.Args()
	fn := call.FunctionName()
	if w, ok := comparisons[fn]; ok && len(args) == 2 {
		return rd.term(args[0]) + " " + w + " " + rd.term(args[1])
	}
	switch {
	case fn == operators.In && len(args) == 2:
		return rd.term(args[0]) + " is " + rd.among(args[1])
	case fn == operators.Has && len(args) == 1:
		return rd.term(args[0]) + " is given"
	case (fn == "in_named_list" || fn == "listed_in") && len(args) == 2:
		return rd.term(args[0]) + " is in the list " + rd.term(args[1])
	case fn == "listed_in" && call.IsMemberFunction() && len(args) == 1:
		return rd.term(call.Target()) + " is in the list " + rd.term(args[0])
	}
	return rd.term(e) + rd.isTrue(e)
}

// among says membership in list: "one of a, b" for a list literal,
// "among" a fact that is a list.
func (rd wording) among(list celast.Expr) string {
	if list.Kind() == celast.ListKind {
		return "one of " + rd.term(list)
	}
	return "among " + rd.term(list)
}

// isTrue is what a bare boolean term needs to read as a test.
func (rd wording) isTrue(e celast.Expr) string {
	if e.Kind() == celast.SelectKind || e.Kind() == celast.IdentKind {
		return " is true"
	}
	return ""
}

// term says an operand: a fact by its label, a literal as written, a list
// of literals separated by commas, anything else as CEL.
func (rd wording) term(e celast.Expr) string {
	switch e.Kind() {
	case celast.SelectKind, celast.IdentKind:
		if p := factPath(e); p != "" {
			root, rest, _ := strings.Cut(p, ".")
			if it, ok := rd.items[root]; ok {
				if rest == "" {
					return it
				}
				return it + "s " + FactLabel(rest)
			}
			return FactLabel(p)
		}
	case celast.LiteralKind:
		if s, ok := e.AsLiteral().(types.String); ok {
			if s == "" {
				return "(not given)"
			}
			return "“" + string(s) + "”"
		}
	case celast.ListKind:
		var parts []string
		for _, el := range e.AsList().Elements() {
			parts = append(parts, rd.term(el))
		}
		return strings.Join(parts, ", ")
	case celast.CallKind:
		call := e.AsCall()
		if call.FunctionName() == "size" {
			if args := call.Args(); len(args) == 1 && !call.IsMemberFunction() {
				return "the number of " + rd.term(args[0])
			} else if len(args) == 0 && call.IsMemberFunction() {
				return "the number of " + rd.term(call.Target())
			}
		}
	}
	if e.Kind() == celast.CallKind && !strings.ContainsAny(e.AsCall().FunctionName()[:1], "_@!-") {
		// Another function of the environment, such as
		// business_hours_between(a, b): its name in words, its arguments
		// as terms.
		call := e.AsCall()
		var parts []string
		if call.IsMemberFunction() {
			parts = append(parts, rd.term(call.Target()))
		}
		for _, a := range call.Args() {
			parts = append(parts, rd.term(a))
		}
		return strings.ReplaceAll(call.FunctionName(), "_", " ") + "(" + strings.Join(parts, ", ") + ")"
	}
	src, err := parser.Unparse(e, rd.info)
	if err != nil {
		return fmt.Sprint(e)
	}
	return src
}

// flatten merges nested groups of the same kind ("all of" in "all of"),
// so that a && b && c reads as one list of three.
func flatten(c Clause) Clause {
	for i := range c.Items {
		c.Items[i] = flatten(c.Items[i])
	}
	if c.Op != AllOf && c.Op != AnyOf {
		return c
	}
	var items []Clause
	for _, it := range c.Items {
		if it.Op == c.Op {
			items = append(items, it.Items...)
		} else {
			items = append(items, it)
		}
	}
	c.Items = items
	return c
}
