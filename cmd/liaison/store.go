package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/law"
	"liaison/ledger"
	"liaison/oversight"
	"liaison/postgres"
	"liaison/sqlite"
)

// dataStore is what a database gives liaison: its records and their log.
type dataStore interface {
	liaison.Store
	ledger.Store
	ledger.Reader
	oversight.SummaryStore
}

// openDesk opens the database dsn names and a desk on it, deciding by
// set and sealing with the seal key of keyDir (or the environment), for a
// command that acts as a caller of the desk. close closes the database.
func openDesk(ctx context.Context, getenv func(string) string, dsn, keyDir string, set *law.Set, now func() time.Time) (d *desk.Desk, close func() error, err error) {
	ks, err := loadKeys(getenv, keyDir, "", false, func(string) {})
	if err != nil {
		return nil, nil, err
	}
	store, err := openStore(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	d, err = desk.New(desk.Config{Store: store, Law: set, Sealer: ks.sealer, Now: now})
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return d, store.Close, nil
}

// openStore opens the database a DSN names: "sqlite:PATH" (or a bare
// path) for the embedded default, "postgres://..." for PostgreSQL. opts
// apply to SQLite only.
func openStore(ctx context.Context, dsn string, opts ...sqlite.Option) (dataStore, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return postgres.Open(ctx, dsn)
	case strings.HasPrefix(dsn, "sqlite:"):
		return sqlite.Open(ctx, strings.TrimPrefix(dsn, "sqlite:"), opts...)
	case strings.Contains(dsn, "://"):
		return nil, fmt.Errorf("--db %q: want sqlite:PATH or a postgres:// URL", dsn)
	}
	return sqlite.Open(ctx, dsn, opts...)
}

// keys are the secrets a node needs: the log's note signing key and the key
// that seals personal data. They never go in the database.
type keys struct {
	signer *ledger.Signer
	sealer *desk.Sealer
}

// loadKeys reads the keys from LIAISON_LOG_KEY and LIAISON_SEAL_KEY, or
// else from files in dir (log.key, seal.key). With create, missing files
// are made (mode 0600) and a line says so on stderr.
func loadKeys(getenv func(string) string, dir, origin string, create bool, say func(string)) (*keys, error) {
	logKey := getenv("LIAISON_LOG_KEY")
	sealKey := getenv("LIAISON_SEAL_KEY")
	if logKey == "" {
		b, err := readOrCreate(filepath.Join(dir, "log.key"), create, say, func() (string, error) {
			skey, _, err := ledger.GenerateKey(rand.Reader, origin)
			return skey, err
		})
		if err != nil {
			return nil, err
		}
		logKey = b
	}
	if sealKey == "" {
		b, err := readOrCreate(filepath.Join(dir, "seal.key"), create, say, func() (string, error) {
			k := make([]byte, 32)
			if _, err := rand.Read(k); err != nil {
				return "", err
			}
			return base64.StdEncoding.EncodeToString(k), nil
		})
		if err != nil {
			return nil, err
		}
		sealKey = b
	}
	signer, err := ledger.NewSigner(strings.TrimSpace(logKey))
	if err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sealKey))
	if err != nil {
		return nil, fmt.Errorf("seal key: not base64: %w", err)
	}
	sealer, err := desk.NewSealer(raw, rand.Reader)
	if err != nil {
		return nil, err
	}
	return &keys{signer: signer, sealer: sealer}, nil
}

// keyAdvice says where a missing key is to be found. It never advises
// making new keys: a new log key cannot continue, or check, a log the old
// one signed, nor a new seal key open what the old one sealed.
const keyAdvice = "point --keys at the deployment's key directory, the one `liaison keys create` made, or set LIAISON_LOG_KEY / LIAISON_SEAL_KEY; do not make new keys for an existing database"

// logVerifier returns the verifier of the log's checkpoints, for commands
// that only check the log (`log verify`, `log prove`): from vkey (the public
// key, as GET /log/key serves it, or a file holding it), else from the log's
// secret key (LIAISON_LOG_KEY, or log.key in dir). The seal key is not read.
func logVerifier(getenv func(string) string, dir, vkey string) (*ledger.Verifier, error) {
	if vkey != "" {
		text, err := textOrFile(vkey)
		if err != nil {
			return nil, fmt.Errorf("read --key: %w", err)
		}
		return ledger.NewVerifier(text)
	}
	signer, err := loadSigner(getenv, dir)
	if err != nil {
		return nil, err
	}
	return signer.Verifier(), nil
}

// loadSigner reads the log's secret key alone, from LIAISON_LOG_KEY or
// log.key in dir.
func loadSigner(getenv func(string) string, dir string) (*ledger.Signer, error) {
	skey := getenv("LIAISON_LOG_KEY")
	if skey == "" {
		b, err := os.ReadFile(filepath.Join(dir, "log.key"))
		if err != nil {
			return nil, fmt.Errorf("log key: %w (point --keys at the deployment's key directory, the one with log.key, set LIAISON_LOG_KEY, or, to check the log, give its public key with --key; do not make new keys: they cannot continue or check what the old one signed)", err)
		}
		skey = string(b)
	}
	signer, err := ledger.NewSigner(strings.TrimSpace(skey))
	if err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	return signer, nil
}

func readOrCreate(path string, create bool, say func(string), make func() (string, error)) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return string(b), nil
	}
	if !errors.Is(err, fs.ErrNotExist) || !create {
		return "", fmt.Errorf("read key: %w (%s)", err, keyAdvice)
	}
	v, err := make()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(v+"\n"), 0o600); err != nil {
		return "", err
	}
	say(fmt.Sprintf("created %s (keep it safe: it cannot be recovered)", path))
	return v, nil
}
