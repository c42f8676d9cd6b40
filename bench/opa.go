package bench

import (
	"context"
	"fmt"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"liaison"
)

// OPA decides with the Rego policy through a prepared query, the fastest
// way OPA offers to evaluate one policy many times in-process. It is safe
// for concurrent use.
type OPA struct {
	query rego.PreparedEvalQuery
}

// NewOPA compiles the Rego module and prepares the query
// data.liaison.bench.decision.
func NewOPA(ctx context.Context, module string) (*OPA, error) {
	q, err := rego.New(
		rego.Query("data.liaison.bench.decision"),
		rego.Module("policy.rego", module),
	).PrepareForEval(ctx)
	if err != nil {
		return nil, fmt.Errorf("prepare Rego query: %w", err)
	}
	return &OPA{query: q}, nil
}

// Decide converts req to OPA's input and evaluates the prepared query.
func (o *OPA) Decide(ctx context.Context, req *liaison.Request) (Result, error) {
	rs, err := o.query.Eval(ctx, rego.EvalParsedInput(OPAInput(req)))
	if err != nil {
		return Result{}, fmt.Errorf("evaluate Rego: %w", err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return Result{}, fmt.Errorf("evaluate Rego: got %d results, want 1", len(rs))
	}
	m, ok := rs[0].Expressions[0].Value.(map[string]any)
	if !ok {
		return Result{}, fmt.Errorf("evaluate Rego: got %T, want an object", rs[0].Expressions[0].Value)
	}
	outcome, _ := m["outcome"].(string)
	decisive, _ := m["decisive"].([]any)
	res := Result{Outcome: liaison.Outcome(outcome), Decisive: make([]string, 0, len(decisive))}
	for _, d := range decisive {
		s, _ := d.(string)
		res.Decisive = append(res.Decisive, s)
	}
	return res, nil
}

// OPAInput returns req as the Rego policy reads it: the request's JSON
// shape, limited to the fields the policy reads, with every field present
// (absent objects read as empty, as in liaison's CEL) and dates as
// integers yyyymmdd. It builds the ast.Value directly, which is cheaper
// than handing OPA a map to convert.
func OPAInput(req *liaison.Request) ast.Value {
	fr, warrant, sub, consent, cx := parts(req)
	convictions := make([]*ast.Term, len(sub.Convictions))
	for i, c := range sub.Convictions {
		convictions[i] = ast.ObjectTerm(
			ast.Item(ast.InternedTerm("offense"), ast.StringTerm(c.Offense)),
			ast.Item(ast.InternedTerm("level"), ast.StringTerm(string(c.Level))),
			ast.Item(ast.InternedTerm("date"), ast.IntNumberTerm(int(ymd(c.Date)))),
			ast.Item(ast.InternedTerm("categories"), stringsTerm(c.Categories)),
		)
	}
	return ast.NewObject(
		ast.Item(ast.InternedTerm("as_of"), ast.IntNumberTerm(int(ymd(req.AsOf)))),
		ast.Item(ast.InternedTerm("jurisdiction"), ast.StringTerm(string(req.Jurisdiction))),
		ast.Item(ast.InternedTerm("action"), ast.StringTerm(string(req.Action))),
		ast.Item(ast.InternedTerm("request"), ast.ObjectTerm(
			ast.Item(ast.InternedTerm("kind"), ast.StringTerm(string(fr.Kind))),
			ast.Item(ast.InternedTerm("probable_cause_basis"), stringsTerm(fr.ProbableCauseBasis)),
			ast.Item(ast.InternedTerm("info_requested"), stringsTerm(fr.InfoRequested)),
			ast.Item(ast.InternedTerm("judicial_probable_cause_determination"), ast.InternedTerm(fr.JudicialPCFinding)),
			ast.Item(ast.InternedTerm("warrant"), ast.ObjectTerm(
				ast.Item(ast.InternedTerm("kind"), ast.StringTerm(string(warrant.Kind))),
			)),
		)),
		ast.Item(ast.InternedTerm("subject"), ast.ObjectTerm(
			ast.Item(ast.InternedTerm("convictions"), ast.ArrayTerm(convictions...)),
			ast.Item(ast.InternedTerm("flags"), stringsTerm(sub.Flags)),
			ast.Item(ast.InternedTerm("public_info"), stringsTerm(sub.PublicInfo)),
			ast.Item(ast.InternedTerm("consent"), ast.ObjectTerm(
				ast.Item(ast.InternedTerm("interview"), ast.StringTerm(string(consent.Interview))),
				ast.Item(ast.InternedTerm("form_provided"), ast.InternedTerm(consent.FormProvided)),
			)),
		)),
		ast.Item(ast.InternedTerm("context"), ast.ObjectTerm(
			ast.Item(ast.InternedTerm("purpose"), ast.StringTerm(string(cx.Purpose))),
			ast.Item(ast.InternedTerm("location"), ast.StringTerm(string(cx.Location))),
		)),
	)
}

func stringsTerm[T ~string](xs []T) *ast.Term {
	ts := make([]*ast.Term, len(xs))
	for i, x := range xs {
		ts[i] = ast.StringTerm(string(x))
	}
	return ast.ArrayTerm(ts...)
}
