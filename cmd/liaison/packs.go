package main

import (
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"liaison/law"
	"liaison/packs"
)

// packsTestCmd is `liaison packs test`.
type packsTestCmd struct {
	stdout, stderr io.Writer
}

func (c *packsTestCmd) run(args []string) error {
	fset := flag.NewFlagSet("packs test", flag.ContinueOnError)
	fset.SetOutput(c.stderr)
	verbose := fset.Bool("v", false, "list every test, and the rules no test exercises")
	over := fset.String("packs", "", "lay the packs and tests in `DIR` over the bundled ones (DIR given alone as an argument is read alone)")
	if err := fset.Parse(args); err != nil {
		return exitError(2)
	}
	set, tests, err := packsAndTests(fset.Arg(0), *over)
	if err != nil {
		return err
	}
	var results []law.TestResult
	passed, failed, skipped := 0, 0, 0
	for _, t := range tests {
		r := set.Run(t)
		results = append(results, r)
		switch {
		case r.Skipped != "":
			skipped++
			if *verbose {
				fmt.Fprintf(c.stdout, "SKIP %s %s: %s\n", r.File, r.ID, r.Skipped)
			}
		case len(r.Failed) > 0:
			failed++
			fmt.Fprintf(c.stdout, "FAIL %s %s\n", r.File, r.ID)
			for _, f := range r.Failed {
				fmt.Fprintf(c.stdout, "     %s\n", f)
			}
		default:
			passed++
			if *verbose {
				fmt.Fprintf(c.stdout, "ok   %s %s\n", r.File, r.ID)
			}
		}
	}
	if *verbose {
		ex := law.Exercised(results)
		var idle []string
		for _, r := range set.Rules() {
			if !ex[r.Key()] {
				idle = append(idle, fmt.Sprintf("%s (%s, version %s)", r.Key(), r.Version().Pack().File(), r.Version().Version))
			}
		}
		slices.Sort(idle)
		if len(idle) > 0 {
			fmt.Fprintf(c.stdout, "\nrules no test exercises (%d):\n  %s\n", len(idle), strings.Join(idle, "\n  "))
		}
	}
	fmt.Fprintf(c.stdout, "%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	if failed > 0 {
		return exitError(1)
	}
	return nil
}

// packsLintCmd is `liaison packs lint`.
type packsLintCmd struct {
	stdout, stderr io.Writer
}

func (c *packsLintCmd) run(args []string) error {
	fset := flag.NewFlagSet("packs lint", flag.ContinueOnError)
	fset.SetOutput(c.stderr)
	over := fset.String("packs", "", "lay the packs and tests in `DIR` over the bundled ones (DIR given alone as an argument is read alone)")
	if err := fset.Parse(args); err != nil {
		return exitError(2)
	}
	set, tests, err := packsAndTests(fset.Arg(0), *over)
	if err != nil {
		fmt.Fprintln(c.stdout, err)
		return exitError(1)
	}
	findings := set.Lint(tests)
	for _, f := range findings {
		fmt.Fprintln(c.stdout, f)
	}
	errs := 0
	for _, f := range findings {
		if f.Severity == law.SeverityError {
			errs++
		}
	}
	fmt.Fprintf(c.stdout, "%d packs, %d rules: %d errors, %d warnings\n", len(set.Packs()), len(set.Rules()), errs, len(findings)-errs)
	if errs > 0 {
		return exitError(1)
	}
	return nil
}

// packsAndTests loads the packs and the pack tests in dir (the bundled
// ones when dir is empty), or with over set, the bundled ones with over's
// laid over them (see packsFlags).
func packsAndTests(dir, over string) (*law.Set, []*law.Test, error) {
	if over != "" {
		if dir != "" {
			return nil, nil, fmt.Errorf("give a folder to read alone, or --packs DIR to lay over the bundled packs, not both")
		}
		ls, err := packsFlags{add: over}.layers()
		if err != nil {
			return nil, nil, err
		}
		set, err := law.LoadLayers(ls...)
		if err != nil {
			return nil, nil, fmt.Errorf("load packs:\n%w", err)
		}
		tests, err := law.LoadLayerTests(ls...)
		if err != nil {
			return nil, nil, fmt.Errorf("load tests: %w", err)
		}
		return set, tests, nil
	}
	fsys, err := packsFS(dir)
	if err != nil {
		return nil, nil, err
	}
	set, err := law.Load(fsys)
	if err != nil {
		return nil, nil, fmt.Errorf("load packs:\n%w", err)
	}
	tests, err := law.LoadTests(fsys)
	if err != nil {
		return nil, nil, fmt.Errorf("load tests: %w", err)
	}
	return set, tests, nil
}

func packsFS(dir string) (fs.FS, error) {
	if dir == "" {
		return packs.FS(), nil
	}
	if _, err := os.Stat(dir); err != nil {
		return nil, err
	}
	return os.DirFS(dir), nil
}

// packsFlags are the flags that choose the law: the bundled packs, with
// the packs of a folder laid over them (--packs), or a folder's alone
// (--packs-only).
type packsFlags struct {
	add, only string
}

func (p *packsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.add, "packs", "", "lay the packs in `DIR` over the bundled ones: a pack with a bundled pack's id replaces it, the others are added")
	fs.StringVar(&p.only, "packs-only", "", "use the packs in `DIR` alone, without the bundled ones")
}

// layers returns the layers of packs the flags choose.
func (p packsFlags) layers() ([]law.Layer, error) {
	switch {
	case p.add != "" && p.only != "":
		return nil, fmt.Errorf("give --packs (laid over the bundled packs) or --packs-only, not both")
	case p.only != "":
		if _, err := os.Stat(p.only); err != nil {
			return nil, fmt.Errorf("--packs-only: %w", err)
		}
		return []law.Layer{{Name: p.only, FS: os.DirFS(p.only)}}, nil
	}
	ls := []law.Layer{{Name: "bundled", FS: packs.FS()}}
	if p.add != "" {
		if _, err := os.Stat(p.add); err != nil {
			return nil, fmt.Errorf("--packs: %w", err)
		}
		ls = append(ls, law.Layer{Name: p.add, FS: os.DirFS(p.add)})
	}
	return ls, nil
}

// load loads the packs the flags choose.
func (p packsFlags) load() (*law.Set, error) {
	ls, err := p.layers()
	if err != nil {
		return nil, err
	}
	set, err := law.LoadLayers(ls...)
	if err != nil {
		return nil, fmt.Errorf("load packs:\n%w", err)
	}
	return set, nil
}
