// Command opaserver is OPA's own command line, `opa`, built from the OPA
// module the bench depends on (the same as OPA's main.go), so that httpload
// can run `opa run --server` at exactly the version the in-process
// comparisons use:
//
//	go build -o opa ./opaserver && ./opa run --server testdata/policy.rego
package main

import (
	"errors"
	"os"

	"github.com/open-policy-agent/opa/cmd"
)

func main() {
	exit := 0
	defer func() {
		if exit != 0 {
			os.Exit(exit)
		}
	}()
	if err := cmd.RootCommand.Execute(); err != nil {
		if e, ok := errors.AsType[*cmd.ExitError](err); ok {
			exit = e.Exit
		} else {
			exit = 1
		}
	}
}
