package law

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"liaison"
)

// A PackError is a problem in a pack file, with its place.
type PackError struct {
	File      string
	Line, Col int
	Rule      string // the rule it concerns, if any
	Msg       string
}

func (e *PackError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	if e.Rule != "" {
		fmt.Fprintf(&b, "rule %s: ", e.Rule)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Load reads every pack (*.yaml, but not *.test.yaml) below fsys's root,
// checks it and compiles its conditions, as LoadFiles does.
func Load(fsys fs.FS) (*Set, error) {
	files, err := packFiles(fsys)
	if err != nil {
		return nil, err
	}
	return LoadFiles(files)
}

// LoadFiles checks the pack files and compiles their conditions: the
// packs of a directory (Load) or of a stored pack set. A pack's
// jurisdiction must match the folder it sits in. All problems are
// returned together, each a *PackError naming file, line, column and rule.
func LoadFiles(files []liaison.PackFile) (*Set, error) {
	base, vars, err := newBaseEnv()
	if err != nil {
		return nil, err
	}
	s := newSet(base, vars)
	var errs []error
	for _, f := range files {
		if !utf8.ValidString(f.Text) {
			errs = append(errs, &PackError{File: f.Path, Msg: "not valid UTF-8: a pack file is text"})
			continue
		}
		pk, perrs := s.parsePack(f.Path, []byte(f.Text))
		errs = append(errs, perrs...)
		if pk != nil {
			if dir := path.Dir(f.Path); dir != "." && string(pk.Jurisdiction) != dir {
				errs = append(errs, &PackError{File: f.Path, Line: 1, Col: 1, Msg: fmt.Sprintf("jurisdiction %q does not match the folder %q the pack sits in", pk.Jurisdiction, dir)})
			}
			s.add(pk)
		}
	}
	errs = append(errs, s.checkIDs()...)
	errs = append(errs, s.checkCrossExceptions()...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s.files, s.hash = sortedFiles(files), HashFiles(files)
	return s, nil
}

// ParsePack reads and compiles one pack file on its own (for tools and fuzzing).
func ParsePack(name string, data []byte) (*Pack, error) {
	base, vars, err := newBaseEnv()
	if err != nil {
		return nil, err
	}
	pk, errs := newSet(base, vars).parsePack(name, data)
	return pk, errors.Join(errs...)
}

var idRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// noticeRE is the form of a notice id a duty names (package notice holds them).
var noticeRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// parsePack decodes, validates and compiles one pack file.
func (s *Set) parsePack(file string, data []byte) (*Pack, []error) {
	var pk Pack
	if err := decodeYAML(data, &pk); err != nil {
		return nil, []error{yamlError(file, err)}
	}
	tree, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, []error{yamlError(file, err)}
	}
	pk.file = file
	sum := sha256.Sum256(data)
	c := &checker{file: file, data: data, tree: tree}
	c.pack(&pk)
	for i, v := range pk.Versions {
		if v == nil {
			continue // reported by c.pack
		}
		v.pack, v.index, v.sha256 = &pk, i, hex.EncodeToString(sum[:])
		c.version(s, v, i)
	}
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	return &pk, nil
}

// checker validates one pack and compiles it, collecting errors.
type checker struct {
	file string
	data []byte
	tree *ast.File
	errs []error
}

// at returns the line and column of the YAML node at a path such as
// "$.versions[0].rules[2].when", or of the nearest enclosing node found.
func (c *checker) at(p string) (line, col int) {
	for p != "$" && p != "" {
		if yp, err := yaml.PathString(p); err == nil {
			if n, err := yp.FilterFile(c.tree); err == nil && n != nil && n.GetToken() != nil {
				pos := n.GetToken().Position
				return pos.Line, pos.Column
			}
		}
		i := strings.LastIndexAny(p, ".[")
		if i <= 0 {
			break
		}
		p = p[:i]
	}
	return 1, 1
}

// isSeq reports whether the node at p is a YAML sequence.
func (c *checker) isSeq(p string) bool {
	yp, err := yaml.PathString(p)
	if err != nil {
		return false
	}
	n, err := yp.FilterFile(c.tree)
	if err != nil || n == nil {
		return false
	}
	_, ok := n.(*ast.SequenceNode)
	return ok
}

func (c *checker) fail(p, rule, format string, args ...any) {
	line, col := c.at(p)
	c.errs = append(c.errs, &PackError{File: c.file, Line: line, Col: col, Rule: rule, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) pack(pk *Pack) {
	if !idRE.MatchString(pk.ID) {
		c.fail("$.id", "", "id %q must be lowercase letters, digits, dots and dashes", pk.ID)
	}
	if pk.Title == "" {
		c.fail("$.title", "", "title is missing")
	}
	if _, err := liaison.ParseJurisdiction(string(pk.Jurisdiction)); err != nil {
		c.fail("$.jurisdiction", "", "%v", err)
	}
	if !slices.Contains(packKinds, pk.Kind) {
		c.fail("$.kind", "", "kind %q is not one of %s", pk.Kind, strings.Join(packKinds, ", "))
	}
	if pk.Citation == "" {
		c.fail("$.citation", "", "citation is missing")
	}
	if len(pk.Versions) == 0 {
		c.fail("$.versions", "", "a pack needs at least one version")
	}
	seen := map[string]bool{}
	for i, v := range pk.Versions {
		p := fmt.Sprintf("$.versions[%d]", i)
		if v == nil {
			c.fail(p, "", "empty version")
			continue
		}
		if v.Version == "" {
			c.fail(p+".version", "", "version name is missing")
		}
		if seen[v.Version] {
			c.fail(p+".version", "", "version %q appears twice", v.Version)
		}
		seen[v.Version] = true
		if v.EffectiveFrom.IsZero() {
			c.fail(p+".effective_from", "", "effective_from is missing or not a date written YYYY-MM-DD: %q", v.EffectiveFrom.raw)
		}
		if v.EffectiveTo != nil && v.EffectiveTo.IsZero() {
			c.fail(p+".effective_to", "", "effective_to is not a date written YYYY-MM-DD: %q", v.EffectiveTo.raw)
			v.EffectiveTo = nil
		}
		if v.EffectiveTo != nil && v.EffectiveTo.Before(v.EffectiveFrom.Time) {
			c.fail(p+".effective_to", "", "effective_to %s is before effective_from %s", v.EffectiveTo, v.EffectiveFrom)
		}
	}
	// Versions of one instrument must not overlap in time.
	vs := slices.DeleteFunc(slices.Clone(pk.Versions), func(v *Version) bool { return v == nil })
	slices.SortFunc(vs, func(a, b *Version) int { return a.EffectiveFrom.Compare(b.EffectiveFrom.Time) })
	for i := 1; i < len(vs); i++ {
		prev := vs[i-1]
		if prev.EffectiveTo == nil || !prev.EffectiveTo.Before(vs[i].EffectiveFrom.Time) {
			c.fail(fmt.Sprintf("$.versions[%d].effective_from", slices.Index(pk.Versions, vs[i])), "",
				"version %q overlaps version %q: give %q an effective_to before %s", vs[i].Version, prev.Version, prev.Version, vs[i].EffectiveFrom)
		}
	}
}

func (c *checker) version(s *Set, v *Version, vi int) {
	vp := fmt.Sprintf("$.versions[%d]", vi)
	lists := make(map[string]*compiledList, len(v.Lists))
	for name, l := range v.Lists {
		if l == nil || len(l.Items) == 0 {
			c.fail(vp+".lists."+name, "", "list %q has no items", name)
			continue
		}
		for j, it := range l.Items {
			if cat, ok := strings.CutPrefix(it, "category:"); ok && !slices.Contains(liaison.Category("").Enum(), cat) {
				c.fail(fmt.Sprintf("%s.lists.%s.items[%d]", vp, name, j), "", "unknown offence category %q", cat)
			}
		}
		lists[name] = compileList(l)
	}
	env, err := listEnv(s.env, lists)
	if err != nil {
		c.fail(vp, "", "%v", err)
		return
	}
	byID := make(map[string]*Rule, len(v.Rules))
	for ri, r := range v.Rules {
		rp := fmt.Sprintf("%s.rules[%d]", vp, ri)
		if r == nil {
			c.fail(rp, "", "empty rule")
			continue
		}
		r.version = v
		if !idRE.MatchString(r.ID) {
			c.fail(rp+".id", r.ID, "rule id %q must be lowercase letters, digits, dots and dashes", r.ID)
		}
		if byID[r.ID] != nil {
			c.fail(rp+".id", r.ID, "rule id appears twice in version %q", v.Version)
		}
		byID[r.ID] = r
		c.rule(env, lists, r, rp)
	}
	for ri, r := range v.Rules {
		if r == nil {
			continue
		}
		for ei, id := range r.Exceptions {
			if strings.Contains(id, "/") {
				r.crossExcepts = append(r.crossExcepts, id) // resolved by the Set
				continue
			}
			x := byID[id]
			if x == nil {
				c.fail(fmt.Sprintf("%s.rules[%d].exceptions[%d]", vp, ri, ei), r.ID, "exception %q is not a rule of version %q", id, v.Version)
				continue
			}
			r.excepts = append(r.excepts, x)
		}
	}
	// Exceptions must not loop back.
	for ri, r := range v.Rules {
		if r != nil && reaches(r, r, map[*Rule]bool{}) {
			c.fail(fmt.Sprintf("%s.rules[%d].exceptions", vp, ri), r.ID, "exceptions lead back to the rule itself")
		}
	}
}

func reaches(from, target *Rule, seen map[*Rule]bool) bool {
	for _, x := range from.excepts {
		if x == target {
			return true
		}
		if !seen[x] {
			seen[x] = true
			if reaches(x, target, seen) {
				return true
			}
		}
	}
	return false
}

func (c *checker) rule(env *cel.Env, lists map[string]*compiledList, r *Rule, rp string) {
	if len(r.Actions) == 0 {
		c.fail(rp+".actions", r.ID, "a rule needs at least one action")
	}
	for i, a := range r.Actions {
		if !slices.Contains(liaison.Action("").Enum(), string(a)) {
			c.fail(fmt.Sprintf("%s.actions[%d]", rp, i), r.ID, "unknown action %q (want one of %s)", a, strings.Join(liaison.Action("").Enum(), ", "))
		}
	}
	if !slices.Contains(liaison.Effect("").Enum(), string(r.Effect)) {
		c.fail(rp+".effect", r.ID, "effect %q is not one of require, permit, forbid, duty", r.Effect)
	}
	for i, o := range r.DutyOutcomes {
		if !slices.Contains(liaison.Outcome("").Enum(), string(o)) {
			c.fail(fmt.Sprintf("%s.duty_outcomes[%d]", rp, i), r.ID, "unknown outcome %q", o)
		}
	}
	if len(r.DutyOutcomes) > 0 && r.Effect != liaison.Oblige {
		c.fail(rp+".duty_outcomes", r.ID, "duty_outcomes is only for rules with effect: duty")
	}
	if r.Effect == liaison.Oblige && len(r.Duties) == 0 {
		c.fail(rp+".duties", r.ID, "a rule with effect: duty needs duties")
	}
	if r.Limits != nil {
		if r.Limits.MaxHoldHours != nil && *r.Limits.MaxHoldHours < 0 {
			c.fail(rp+".limits.max_hold_hours", r.ID, "max_hold_hours must not be negative")
		}
		for i, x := range r.Limits.HoldHoursExclude {
			if x != "weekends" && x != "holidays" {
				c.fail(fmt.Sprintf("%s.limits.hold_hours_exclude[%d]", rp, i), r.ID, "unknown exclusion %q (want weekends or holidays)", x)
			}
		}
	}
	facts := map[string]bool{}
	var srcs []string
	for i, cond := range r.When {
		cp := rp + ".when"
		if c.isSeq(cp) {
			cp = fmt.Sprintf("%s.when[%d]", rp, i)
		}
		prg := c.compile(env, lists, r, cp, cond.CEL, cel.BoolType, facts)
		if prg == nil {
			continue
		}
		r.conds = append(r.conds, &condition{Condition: cond, prg: prg})
		srcs = append(srcs, "("+cond.CEL+")")
	}
	if len(r.conds) == len(r.When) && len(r.When) > 0 {
		r.all = c.compile(env, lists, r, rp+".when", strings.Join(srcs, " && "), cel.BoolType, facts)
	}
	for f := range facts {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(facts)), func(g string) bool { return strings.HasPrefix(g, f+".") }) {
			r.facts = append(r.facts, f) // only the longest paths: "subject.convictions", not "subject"
		}
	}
	slices.Sort(r.facts)
	for i, d := range r.Duties {
		dp := fmt.Sprintf("%s.duties[%d]", rp, i)
		if d == nil || d.Text == "" {
			c.fail(dp, r.ID, "a duty needs text")
			continue
		}
		if d.Due != "" && d.DueExpr != "" {
			c.fail(dp, r.ID, "give due or due_expr, not both")
		}
		switch {
		case d.Trigger == "":
			d.Trigger = liaison.OnReceipt
		case !slices.Contains(d.Trigger.Enum(), string(d.Trigger)):
			c.fail(dp+".trigger", r.ID, "trigger %q is not one of %s", d.Trigger, strings.Join(d.Trigger.Enum(), ", "))
		}
		if (d.Trigger == liaison.BeforeAction) != (d.Before != "") {
			c.fail(dp+".before", r.ID, "give before (the action) with trigger before_action, and only then")
		} else if d.Before != "" && !slices.Contains(d.Before.Enum(), string(d.Before)) {
			c.fail(dp+".before", r.ID, "before %q is not an action", d.Before)
		}
		if (d.Trigger == liaison.BeforeAction || d.Trigger == liaison.NoTrigger) && (d.Due != "" || d.DueExpr != "") {
			c.fail(dp+".due", r.ID, "a duty with trigger %s has no clock: give no due or due_expr", d.Trigger)
		}
		if d.DueExpr != "" && d.Trigger != liaison.OnReceipt {
			c.fail(dp+".due_expr", r.ID, "due_expr is computed at the decision: use it only with trigger on_receipt")
		}
		if d.Due != "" && d.Due != liaison.Promptly {
			dur, err := time.ParseDuration(d.Due)
			if err != nil {
				c.fail(dp+".due", r.ID, "due %q is not a duration such as 48h: %v", d.Due, err)
			}
			d.due = dur
		}
		if d.Notice != "" && !noticeRE.MatchString(d.Notice) {
			c.fail(dp+".notice", r.ID, "notice %q is not a notice id such as ca-interview-consent (lower-case letters, digits and hyphens)", d.Notice)
		}
		if d.DueExpr != "" {
			d.dueProg = c.compile(env, lists, r, dp+".due_expr", d.DueExpr, cel.TimestampType, map[string]bool{})
		}
	}
}

// compile compiles one CEL expression, checks its type and the list names
// it uses, records the facts it reads, and builds its programs.
func (c *checker) compile(env *cel.Env, lists map[string]*compiledList, r *Rule, p, src string, want *cel.Type, facts map[string]bool) *program {
	checked, iss := env.Compile(src)
	if iss != nil && iss.Err() != nil {
		for _, e := range iss.Errors() {
			line, col := c.exprPos(p, src, e.Location.Line(), e.Location.Column())
			c.errs = append(c.errs, &PackError{File: c.file, Line: line, Col: col, Rule: r.ID, Msg: e.Message})
		}
		return nil
	}
	if !checked.OutputType().IsExactType(want) {
		c.fail(p, r.ID, "expression gives %s, want %s", checked.OutputType(), want)
		return nil
	}
	ok := true
	celast.PreOrderVisit(checked.NativeRep().Expr(), celast.NewExprVisitor(func(e celast.Expr) {
		switch e.Kind() {
		case celast.CallKind:
			call := e.AsCall()
			if fn := call.FunctionName(); fn == "listed_in" || fn == "in_named_list" {
				args := call.Args()
				last := args[len(args)-1]
				if last.Kind() != celast.LiteralKind {
					c.fail(p, r.ID, "%s needs a list name written as a string literal", fn)
					ok = false
					return
				}
				name, _ := last.AsLiteral().(types.String)
				if lists[string(name)] == nil {
					c.fail(p, r.ID, "%s(%q): no list of that name in this version", fn, string(name))
					ok = false
				}
			}
		case celast.SelectKind, celast.IdentKind:
			if f := factPath(e); f != "" {
				facts[f] = true
			}
		}
	}))
	if !ok {
		return nil
	}
	if want == cel.BoolType {
		r.clock.read(checked.NativeRep().Expr())
	}
	est, err := env.EstimateCost(checked, sizeEstimator{})
	if err != nil {
		c.fail(p, r.ID, "estimate cost: %v", err)
		return nil
	}
	if est.Max > costLimit {
		c.fail(p, r.ID, "the expression may cost up to %d units on the largest request, more than the limit of %d: simplify it", est.Max, costLimit)
		return nil
	}
	fast, err := env.Program(checked, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		c.fail(p, r.ID, "%v", err)
		return nil
	}
	partial, err := env.Program(checked, cel.EvalOptions(cel.OptOptimize, cel.OptPartialEval))
	if err != nil {
		c.fail(p, r.ID, "%v", err)
		return nil
	}
	return &program{src: src, fast: fast, partial: partial}
}

// factPath returns the request field a select chain reads, such as
// "subject.custody.status", or "" if it is not rooted at a variable.
func factPath(e celast.Expr) string {
	var parts []string
	for e.Kind() == celast.SelectKind {
		sel := e.AsSelect()
		parts = append(parts, sel.FieldName())
		e = sel.Operand()
	}
	if e.Kind() != celast.IdentKind {
		return ""
	}
	parts = append(parts, e.AsIdent())
	slices.Reverse(parts)
	return strings.Join(parts, ".")
}

// exprPos maps a position inside a CEL expression (line from 1, column
// from 0) to the file, by finding the expression's text after its node.
func (c *checker) exprPos(p, src string, line, col int) (int, int) {
	nodeLine, nodeCol := c.at(p)
	first, _, _ := strings.Cut(src, "\n")
	lines := bytes.Split(c.data, []byte("\n"))
	for l := nodeLine - 1; l < len(lines) && l < nodeLine+3; l++ {
		if i := bytes.Index(lines[l], []byte(strings.TrimSpace(first))); i >= 0 && strings.TrimSpace(first) != "" {
			indent := i - (len(first) - len(strings.TrimLeft(first, " \t")))
			if line <= 1 {
				return l + 1, i + 1 + col - (len(first) - len(strings.TrimLeft(first, " \t")))
			}
			return l + line, indent + 1 + col
		}
	}
	return nodeLine, nodeCol
}

// decodeYAML decodes strictly: unknown keys and duplicate keys are errors.
// The YAML decoder panics on some malformed inputs (found by fuzzing);
// that is reported as an error, not a crash.
func decodeYAML(data []byte, v any) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed YAML (the decoder failed: %v)", r)
		}
	}()
	return yaml.UnmarshalWithOptions(data, v, yaml.Strict())
}

// yamlError turns a YAML decoding error into a *PackError with its place.
func yamlError(file string, err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) && ye.GetToken() != nil {
		pos := ye.GetToken().Position
		return &PackError{File: file, Line: pos.Line, Col: pos.Column, Msg: ye.GetMessage()}
	}
	return &PackError{File: file, Msg: err.Error()}
}

// UnmarshalYAML reads a date written YYYY-MM-DD.
func (d *Date) UnmarshalYAML(b []byte) error {
	// A malformed date is kept and reported by the checker, with its place.
	d.raw = strings.Trim(strings.TrimSpace(string(b)), `"'`)
	t, err := time.Parse(time.DateOnly, d.raw)
	if err == nil {
		d.Time = t
	}
	return nil
}

func (d Date) String() string { return d.Format(time.DateOnly) }

// UnmarshalYAML reads a condition list: a string, or a list whose items
// are strings or maps with cel and says.
func (cs *Conditions) UnmarshalYAML(unmarshal func(any) error) error {
	var one string
	if err := unmarshal(&one); err == nil {
		*cs = Conditions{{CEL: one}}
		return nil
	}
	var raw []any
	if err := unmarshal(&raw); err != nil {
		return errors.New("when must be a CEL string or a list of conditions")
	}
	out := make([]Condition, 0, len(raw))
	for i, item := range raw {
		switch it := item.(type) {
		case string:
			out = append(out, Condition{CEL: it})
		case map[string]any:
			var cd Condition
			for k, v := range it {
				s, ok := v.(string)
				if !ok {
					return fmt.Errorf("when[%d].%s must be a string", i, k)
				}
				switch k {
				case "cel":
					cd.CEL = s
				case "says":
					cd.Says = s
				default:
					return fmt.Errorf("when[%d]: unknown field %q (want cel, says)", i, k)
				}
			}
			if cd.CEL == "" {
				return fmt.Errorf("when[%d]: cel is missing", i)
			}
			out = append(out, cd)
		default:
			return fmt.Errorf("when[%d] must be a string or a map with cel and says", i)
		}
	}
	*cs = out
	return nil
}
