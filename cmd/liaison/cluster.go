package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"liaison"
	"liaison/desk"
	"liaison/ledger"
	"liaison/server"
)

// The leases of the jobs one node does at a time (see liaison.Leader).
const (
	leaseDuties      = "duties"
	leaseCheckpoints = "checkpoints"
)

// leaseTimeout bounds one check of a lease.
const leaseTimeout = 10 * time.Second

// listenRetry is how long a node waits to listen again for revocations
// after its listening connection broke.
const listenRetry = time.Second

// cluster runs a node's background work among the other nodes on its
// database: the duty scheduler and the checkpoint signer on the node that
// holds their lease (on every tick, a node that does not tries to take
// it), and the listener that hears of tokens revoked through the others.
// On a store one process owns (SQLite), the node always leads, and there is
// no one to listen to.
type cluster struct {
	store               dataStore
	logger              *slog.Logger
	duties, checkpoints leading
	// listening is true while the node listens for revocations.
	listening atomic.Bool
}

func newCluster(store dataStore, logger *slog.Logger) *cluster {
	leader, _ := store.(liaison.Leader)
	return &cluster{store: store, logger: logger,
		duties:      leading{leader: leader, name: leaseDuties, logger: logger},
		checkpoints: leading{leader: leader, name: leaseCheckpoints, logger: logger}}
}

// start starts the node's background work, which stops when ctx ends; wg
// waits for it.
func (c *cluster) start(ctx context.Context, wg *sync.WaitGroup, n *node, f serveFlags) {
	pub := &ledger.Publisher{Store: n.store, Signer: n.keys.signer, Logger: c.logger}
	c.checkpoints.fit = func(ctx context.Context) error { return signedBy(ctx, n.store, n.keys.signer.Verifier()) }
	last := int64(-1)
	wg.Go(func() {
		c.checkpoints.run(ctx, f.checkpointEvery, func(ctx context.Context) {
			cp, err := pub.Publish(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				c.logger.ErrorContext(ctx, "log: publish checkpoint", "err", err)
			case err == nil && cp.Size != last:
				c.logger.InfoContext(ctx, "log: checkpoint", "size", cp.Size, "root", cp.Hash.String())
				last = cp.Size
			}
		})
	})
	if n.cosigner != nil {
		// Every node submits the latest checkpoint, and so serves it cosigned.
		wg.Go(func() { n.cosigner.Run(ctx, f.checkpointEvery) })
	}
	wg.Go(func() {
		c.duties.run(ctx, f.tick, func(ctx context.Context) {
			if _, err := n.desk.Tick(ctx); err != nil && ctx.Err() == nil {
				c.logger.ErrorContext(ctx, "duty scheduler", "err", err)
			}
		})
	})
	if b, ok := c.store.(liaison.Broadcaster); ok {
		wg.Go(func() { c.listen(ctx, b, n.server) })
	}
}

// listen tells srv of every token revoked through another node, until ctx
// ends. While it cannot listen, a revoked token keeps working here until
// its cache entry expires (server.Config.TokenCacheTTL); when it listens
// again, srv forgets every token, as some may have been revoked meanwhile.
func (c *cluster) listen(ctx context.Context, b liaison.Broadcaster, srv *server.Server) {
	for {
		err := b.Listen(ctx, desk.TopicTokenRevoked, func(id string) {
			if id == "" {
				c.listening.Store(true)
				srv.ForgetTokens()
				return
			}
			srv.TokenRevoked(id)
		})
		c.listening.Store(false)
		if ctx.Err() != nil {
			return
		}
		c.logger.WarnContext(ctx, "token revocations: not listening; a token revoked through another server works here until its cache entry expires", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(listenRetry):
		}
	}
}

// leading runs a job on the node that holds its lease.
type leading struct {
	leader liaison.Leader // nil: this node always leads
	name   string
	logger *slog.Logger
	held   atomic.Bool
	// fit, when set, says why this node must not take the lease now (nil:
	// it may); a node that holds it keeps it, and its job finds the fault.
	fit func(context.Context) error
	// unfit is the last reason fit gave, logged once.
	unfit string
}

// run calls job now and every interval until ctx ends, each time this node
// holds the lease.
func (l *leading) run(ctx context.Context, every time.Duration, job func(context.Context)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if l.lead(ctx) {
			job(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// lead reports whether this node holds the lease, taking it if it is free,
// and logs a change.
func (l *leading) lead(ctx context.Context) bool {
	if l.leader == nil {
		l.held.Store(true)
		return true
	}
	if l.fit != nil && !l.held.Load() {
		if err := l.fit(ctx); err != nil {
			if err.Error() != l.unfit && ctx.Err() == nil {
				l.logger.ErrorContext(ctx, "lease: this server may not take it", "lease", l.name, "err", err)
			}
			l.unfit = err.Error()
			return false
		}
		l.unfit = ""
	}
	// A database that does not answer costs this run, not the next.
	lctx, cancel := context.WithTimeout(ctx, leaseTimeout)
	defer cancel()
	held, err := l.leader.Lead(lctx, l.name)
	if err != nil && ctx.Err() == nil {
		l.logger.WarnContext(ctx, "lease: cannot check it; skipping this run", "lease", l.name, "err", err)
	}
	if was := l.held.Swap(held); was != held {
		if held {
			l.logger.InfoContext(ctx, "lease: this server leads", "lease", l.name)
		} else {
			l.logger.InfoContext(ctx, "lease: this server no longer leads", "lease", l.name)
		}
	}
	return held
}

var (
	leaderDesc = prometheus.NewDesc("liaison_lease_held",
		"1 while this server holds the lease (runs the job) among the servers on its database.", []string{"lease"}, nil)
	listeningDesc = prometheus.NewDesc("liaison_revocations_listening",
		"1 while this server listens for tokens revoked through the others (PostgreSQL only).", nil, nil)
)

func (c *cluster) Describe(ch chan<- *prometheus.Desc) {
	ch <- leaderDesc
	ch <- listeningDesc
}

func (c *cluster) Collect(ch chan<- prometheus.Metric) {
	for _, l := range []*leading{&c.duties, &c.checkpoints} {
		ch <- prometheus.MustNewConstMetric(leaderDesc, prometheus.GaugeValue, gauge(l.held.Load()), l.name)
	}
	ch <- prometheus.MustNewConstMetric(listeningDesc, prometheus.GaugeValue, gauge(c.listening.Load()))
}

func gauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// signedBy checks that the database's latest checkpoint, if any, verifies
// with v: a node started before the others signed, with a key of its own,
// must not sign after them (see storeKeys, which checks at start).
func signedBy(ctx context.Context, store ledger.CheckpointStore, v *ledger.Verifier) error {
	signed, err := store.LatestCheckpoint(ctx)
	if liaison.KindOf(err) == liaison.NotFound {
		return nil
	} else if err != nil {
		return fmt.Errorf("latest checkpoint: %w", err)
	}
	if _, err := v.Open(signed); err == nil {
		return nil
	}
	ids, _ := ledger.SignerIDs(signed)
	return liaison.Errorf(liaison.Conflicting, "", "log key %s did not sign this database's checkpoints; they are signed by %s: start with that key (LIAISON_LOG_KEY or --keys DIR with its log.key)",
		v.KeyID(), strings.Join(ids, ", "))
}
