package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"liaison"
	"liaison/bench"
)

// agree sends the first n requests to liaison's POST /v1/decisions and to
// OPA's server, and fails on the first whose outcome or decisive rules
// differ (as TestDifferential compares the engines in process), or when
// the sample never reaches some outcome.
func (fx *fixture) agree(ctx context.Context, n int) error {
	opaURL := ""
	for _, p := range fx.procs {
		if p.name == "opa run --server" {
			opaURL = "http://" + p.addr + "/v1/data/liaison/bench/decision"
		}
	}
	token := fx.decideToken
	if opaURL == "" || fx.decideURL == "" {
		return fmt.Errorf("comparing liaison with OPA needs both servers")
	}
	outcomes := map[liaison.Outcome]int{}
	for i := range min(n, len(fx.reqs)) {
		var d liaison.Decision
		if err := postJSON(ctx, fx.decideURL, token, fx.decide[i], &d); err != nil {
			return fmt.Errorf("liaison, request %d: %w", i, err)
		}
		var o struct {
			Result struct {
				Outcome  liaison.Outcome `json:"outcome"`
				Decisive []string        `json:"decisive"`
			} `json:"result"`
		}
		if err := postJSON(ctx, opaURL, "", fx.opa[i], &o); err != nil {
			return fmt.Errorf("OPA, request %d: %w", i, err)
		}
		ours, theirs := bench.FromDecision(&d), bench.Result{Outcome: o.Result.Outcome, Decisive: o.Result.Decisive}
		if !ours.Equal(theirs) {
			return fmt.Errorf("request %d: liaison answered %s %v over HTTP, OPA %s %v\n  liaison's body: %s\n  OPA's body: %s",
				i, ours.Outcome, ours.Decisive, theirs.Outcome, theirs.Decisive, fx.decide[i], fx.opa[i])
		}
		outcomes[ours.Outcome]++
	}
	if n >= 200 {
		for _, o := range []liaison.Outcome{liaison.Permitted, liaison.Forbidden, liaison.Required, liaison.Conflict} {
			if outcomes[o] == 0 {
				return fmt.Errorf("no %s decision in %d requests: the sample compares too little", o, n)
			}
		}
	}
	return nil
}

// postJSON POSTs body to u and decodes the 200 answer into v.
func postJSON(ctx context.Context, u, token string, body []byte, v any) error {
	req, err := http.NewRequestWithContext(ctx, "POST", u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(b))
	}
	return json.Unmarshal(b, v)
}
