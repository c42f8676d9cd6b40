package law

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"

	"liaison"
	"liaison/packs"
)

// nativeActivation presents a request to CEL as the engine did before it
// had a vocabulary of its own: by reflection, a nil object as an empty one.
type nativeActivation struct{ req reflect.Value }

func (a nativeActivation) ResolveName(name string) (any, bool) {
	t := a.req.Type()
	for i := range t.NumField() {
		if fieldName(t.Field(i)) != name {
			continue
		}
		f := a.req.Field(i)
		if f.Kind() == reflect.Pointer && f.IsNil() {
			return reflect.New(f.Type().Elem()).Interface(), true
		}
		return f.Interface(), true
	}
	return nil, false
}

func (nativeActivation) Parent() interpreter.Activation { return nil }

// vocabularyExprs read every kind of field of the vocabulary in every way a
// pack can: select, has(), lists and comprehensions, nested objects that
// are nil, object literals, dynamic access and equality.
var vocabularyExprs = []string{
	`as_of`, `jurisdiction`, `action`, `action == "honor_detainer"`,
	`agency.type`, `agency.name`, `has(agency.type)`,
	`request.kind`, `request.form`, `request.issuer`, `request.received_at`, `has(request.received_at)`,
	`request.probable_cause_basis`, `size(request.probable_cause_basis)`, `has(request.probable_cause_basis)`,
	`request.info_requested`, `"address" in request.info_requested`, `request.info_requested.exists(i, i == "release_date")`,
	`request.info_requested.all(i, i in subject.public_info)`, `request.info_requested == ["address"]`,
	`request.info_requested + ["x"]`, `request.info_requested[0]`, `request.info_requested.map(i, i + "!")`,
	`request.info_requested.exists_one(i, i.startsWith("re"))`, `request.info_requested.filter(i, i != "")`,
	`request.hold_hours_requested`, `has(request.hold_hours_requested)`, `request.hold_hours_requested > 47.5`,
	`request.warrant`, `request.warrant == request.warrant`, `has(request.warrant)`, `request.warrant.kind`,
	`has(request.warrant.kind)`, `request.warrant.form`, `request.warrant.issuer`, `request.warrant.charge`,
	`request.judicial_probable_cause_determination`, `has(request.judicial_probable_cause_determination)`,
	`request.federal_felony_warrant`,
	`subject.age`, `has(subject.age)`, `subject.age >= 18`, `string(subject.age)`, `subject.role`,
	`subject.custody.status`, `subject.custody.release_reason`, `subject.custody.scheduled_release`,
	`has(subject.custody)`, `has(subject.custody.hold_started_at)`, `subject.custody.hold_started_at`,
	`subject.convictions.exists(c, c.level == "felony")`, `size(subject.convictions)`, `has(subject.convictions)`,
	`subject.convictions.map(c, c.offense)`, `subject.convictions.map(c, c.date)`,
	`subject.convictions.filter(c, has(c.date)).size()`, `subject.convictions[0].offense`,
	`subject.convictions.all(c, c.categories.exists(x, x == "violent_felony"))`,
	`subject.convictions.exists(c, "robbery" in c.categories && c.jurisdiction.startsWith("us"))`,
	`subject.convictions.map(c, [c.description, c.sentence, string(c.probable_cause_finding), string(c.held_to_answer)])`,
	`subject.convictions == subject.convictions`, `subject.convictions == subject.pending_charges`,
	`subject.convictions.exists(c, c == subject.convictions[0])`, `subject.convictions + subject.pending_charges == subject.convictions`,
	`size(subject.convictions + subject.pending_charges)`, `subject.pending_charges.exists(c, c.held_to_answer)`,
	`subject.flags`, `"terrorist_watchlist" in subject.flags`, `subject.public_info`,
	`subject.consent.form_provided`, `subject.consent.interview`, `has(subject.consent)`,
	`agreements.exists(a, a.kind == "287g" && a.active)`, `size(agreements)`, `agreements.map(a, a.model)`,
	`agreements.exists(a, a.primary_purpose_immigration || a.duties_primarily_non_immigration)`,
	`context.purpose`, `context.location`, `has(context.detected_during_unrelated_activity)`,
	`subject == subject`, `subject.custody == subject.custody`, `type(subject) == liaison.Subject`,
	`type(subject.convictions) == list`, `dyn(subject).age`, `dyn(subject.custody).status`, `has(dyn(subject).role)`,
	`liaison.Warrant{kind: "judicial_criminal"}.kind`, `liaison.Subject{age: 3, flags: ["gang_database"]}.flags`,
	`liaison.Warrant{kind: "x"} == liaison.Warrant{kind: "x"}`, `liaison.Warrant{kind: "x"} == request.warrant`,
	`years_between(subject.custody.scheduled_release, as_of)`,
	`subject.convictions.exists(c, years_between(c.date, as_of) < 10)`,
}

// TestVocabularyMatchesNativeTypes checks that the vocabulary reads every
// request of the bundled pack tests, and some odd ones, as cel-go's
// ext.NativeTypes did, with every unknown-when-absent fact known and
// unknown.
func TestVocabularyMatchesNativeTypes(t *testing.T) {
	env, vars, err := newBaseEnv()
	if err != nil {
		t.Fatal(err)
	}
	opts := []cel.EnvOption{ext.NativeTypes(reflect.TypeFor[liaison.Request](), ext.ParseStructTag("json")), ext.Strings(),
		cel.Function("years_between", cel.Overload("years_between_timestamp_timestamp",
			[]*cel.Type{cel.TimestampType, cel.TimestampType}, cel.IntType, cel.BinaryBinding(timeBinding(yearsBetween))))}
	for _, v := range vars {
		opts = append(opts, cel.Variable(v.name, v.typ))
	}
	native, err := cel.NewEnv(opts...)
	if err != nil {
		t.Fatal(err)
	}

	reqs := []*liaison.Request{
		{},
		{AsOf: time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC), Jurisdiction: "us/ca", Action: liaison.HonorDetainer,
			Agency:     &liaison.Agency{},
			Request:    &liaison.FederalRequest{Warrant: &liaison.Warrant{}, InfoRequested: []liaison.InfoItem{}, HoldHoursRequested: math.Copysign(0, -1)},
			Subject:    &liaison.Subject{Custody: &liaison.Custody{}, Convictions: []liaison.Offense{}, Consent: &liaison.Consent{}},
			Agreements: []liaison.Agreement{}, Context: &liaison.Context{}},
	}
	tests, err := LoadTests(packs.FS())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		reqs = append(reqs, tc.DecisionRequest())
	}
	s := newSet(env, vars)
	var pats []*cel.AttributePatternType
	for _, u := range s.unknowns {
		pats = append(pats, u.pattern)
	}

	for _, src := range vocabularyExprs {
		t.Run(src, func(t *testing.T) {
			got, gotPartial := programs(t, env, src)
			want, wantPartial := programs(t, native, src)
			for i, req := range reqs {
				ours := s.activation(req)
				theirs := nativeActivation{reflect.ValueOf(req).Elem()}
				g, _, gerr := got.Eval(ours)
				w, _, werr := want.Eval(theirs)
				if !sameVal(g, gerr, w, werr) {
					t.Errorf("request %d: Eval() = %v, %v; ext.NativeTypes gives %v, %v", i, g, gerr, w, werr)
				}
				pg, err := cel.PartialVars(ours, pats...)
				if err != nil {
					t.Fatal(err)
				}
				pw, err := cel.PartialVars(theirs, pats...)
				if err != nil {
					t.Fatal(err)
				}
				g, _, gerr = gotPartial.Eval(pg)
				w, _, werr = wantPartial.Eval(pw)
				if !sameVal(g, gerr, w, werr) {
					t.Errorf("request %d, facts unknown: Eval() = %v, %v; ext.NativeTypes gives %v, %v", i, g, gerr, w, werr)
				}
			}
		})
	}
}

func programs(t *testing.T, env *cel.Env, src string) (fast, partial cel.Program) {
	t.Helper()
	ast, iss := env.Compile(src)
	if iss.Err() != nil {
		t.Fatalf("Compile(%q): %v", src, iss.Err())
	}
	fast, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		t.Fatal(err)
	}
	partial, err = env.Program(ast, cel.EvalOptions(cel.OptOptimize, cel.OptPartialEval))
	if err != nil {
		t.Fatal(err)
	}
	return fast, partial
}

// sameVal reports whether two results are the same: the same error, both
// unknown, or equal values of the same type.
func sameVal(a ref.Val, aerr error, b ref.Val, berr error) bool {
	switch {
	case aerr != nil || berr != nil:
		return aerr != nil && berr != nil && aerr.Error() == berr.Error()
	case types.IsUnknown(a) || types.IsUnknown(b):
		return types.IsUnknown(a) && types.IsUnknown(b)
	case a.Type().TypeName() != b.Type().TypeName():
		return false
	case strings.HasPrefix(a.Type().TypeName(), "liaison."):
		return reflect.DeepEqual(a.Value(), b.Value())
	}
	return a.Equal(b) == types.True && b.Equal(a) == types.True
}
