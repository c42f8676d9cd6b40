package desk_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"liaison"
	"liaison/desk"
	"liaison/ledger"
	"liaison/postgres"
	"liaison/sqlite"
	"liaison/storetest"
)

// fieldOf returns the field of the *liaison.Error in err's chain, if any.
func fieldOf(err error) string {
	var e *liaison.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// receiver is a webhook receiver that checks each post's signature and
// counts the posts by idempotency key. While hold is set, each post waits
// for it to be closed, after saying so on arrived.
type receiver struct {
	srv    *httptest.Server
	secret []byte
	mu     sync.Mutex
	byKey  map[string]int
	bodies []string
	bad    []string // posts whose signature did not check
	down   bool
	hold   chan struct{}
	// arrived gets the key of each post that waits on hold.
	arrived chan string
}

func newReceiver(t testing.TB, secret string) *receiver {
	r := &receiver{secret: []byte(secret), byKey: map[string]int{}, arrived: make(chan string, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		ts, _ := strconv.ParseInt(req.Header.Get("X-Liaison-Timestamp"), 10, 64)
		key := req.Header.Get("Idempotency-Key")
		r.mu.Lock()
		hold, down := r.hold, r.down
		if req.Header.Get("X-Liaison-Signature") != desk.Sign(r.secret, ts, body) {
			r.bad = append(r.bad, key)
			r.mu.Unlock()
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		r.mu.Unlock()
		if down {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if hold != nil {
			r.arrived <- key
			<-hold
		}
		r.mu.Lock()
		r.byKey[key]++
		r.bodies = append(r.bodies, string(body))
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) count(key string) int { r.mu.Lock(); defer r.mu.Unlock(); return r.byKey[key] }

func (r *receiver) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, c := range r.byKey {
		n += c
	}
	return n
}

func (r *receiver) setDown(down bool) { r.mu.Lock(); r.down = down; r.mu.Unlock() }

// deskWith returns a desk over store whose server-wide channel is a webhook
// to r, on the env's clock.
func (e *env) deskWith(t testing.TB, store liaison.Store, r *receiver) *desk.Desk {
	t.Helper()
	sealer, err := desk.NewSealer(bytes.Repeat([]byte{1}, 32), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d, err := desk.New(desk.Config{Store: store, Law: e.set, Sealer: sealer, Now: e.clock.Now,
		Channels: map[string]desk.Channel{"webhook": &desk.Webhook{URL: r.srv.URL, Secret: r.secret}}, Channel: "webhook"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func dispatcher(t testing.TB, d *desk.Desk, c *clock, node string) *desk.Dispatcher {
	t.Helper()
	p, err := desk.NewDispatcher(d, desk.DispatcherConfig{Node: node, MaxAttempts: 3, Backoff: time.Minute, Lease: time.Minute, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pendingAct records a permitted action (Travis County honors detainers)
// of a new request: pending.
func pendingAct(t testing.TB, d *desk.Desk, agency, key string) liaison.ActionRecord {
	t.Helper()
	ctx := context.Background()
	in, err := d.Intake(ctx, clerk, detainer(agency, key, "honor_detainer"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.Act(ctx, clerk, desk.ActInput{Request: in.Request.ID, Action: "honor_detainer"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Action.Status != liaison.ActionPending {
		t.Fatalf("Act = %s, want pending", res.Action.Status)
	}
	return res.Action
}

// failAppend fails every Append that carries an action record.
type failAppend struct{ liaison.Store }

func (s failAppend) Append(ctx context.Context, recs ...*liaison.StoredRecord) error {
	for _, r := range recs {
		if r.Kind == liaison.KindAction {
			return errors.New("disk full")
		}
	}
	return s.Store.Append(ctx, recs...)
}

// TestActFailedAppendSendsNothing: an action whose append fails is not
// sent, then or later.
func TestActFailedAppendSendsNothing(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, "0123456789abcdef")
	d := e.deskWith(t, e.store, r)
	ctx := context.Background()
	a := agency(t, d, "us/tx/travis-county", "sheriff")
	in, err := d.Intake(ctx, clerk, detainer(a.ID, "ice-1", "honor_detainer"))
	if err != nil {
		t.Fatal(err)
	}
	broken := e.deskWith(t, failAppend{e.store}, r)
	if _, err := broken.Act(ctx, clerk, desk.ActInput{Request: in.Request.ID, Action: "honor_detainer"}); err == nil {
		t.Fatal("Act with a failing store = nil error, want the append's")
	}
	c := &clock{t: e.clock.Now()}
	for _, p := range []*desk.Dispatcher{dispatcher(t, broken, c, "a"), dispatcher(t, d, c, "b")} {
		if made, err := p.Tick(ctx); err != nil || len(made) != 0 {
			t.Errorf("Tick after the failed append = %+v, %v; want no attempt", made, err)
		}
	}
	if n := r.total(); n != 0 {
		t.Errorf("receiver got %d posts, want none", n)
	}
}

// TestDeliveryAcrossRestart: a message whose first attempt failed is
// delivered by a new desk and dispatcher over the same store once the
// receiver is up, as attempt 2, when the recorded retry time has come.
func TestDeliveryAcrossRestart(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, "0123456789abcdef")
	r.setDown(true)
	d := e.deskWith(t, e.store, r)
	ctx := context.Background()
	a := agency(t, d, "us/tx/travis-county", "sheriff")
	ar := pendingAct(t, d, a.ID, "ice-1")
	c := &clock{t: e.clock.Now()}
	made, err := dispatcher(t, d, c, "a").Tick(ctx)
	if err != nil || len(made) != 1 || made[0].OK || made[0].Attempt != 1 || made[0].RetryAt == nil || !made[0].RetryAt.Equal(c.Now().Add(time.Minute)) {
		t.Fatalf("Tick with the receiver down = %+v, %v; want attempt 1 failed, retry in a minute", made, err)
	}

	// A restart: a new desk, a new dispatcher. The receiver is up, but
	// the retry time recorded has not come.
	r.setDown(false)
	d2 := e.deskWith(t, e.store, r)
	p2 := dispatcher(t, d2, c, "b")
	if made, err := p2.Tick(ctx); err != nil || len(made) != 0 {
		t.Fatalf("Tick before the retry time = %+v, %v; want no attempt", made, err)
	}
	c.Add(time.Minute)
	made, err = p2.Tick(ctx)
	if err != nil || len(made) != 1 || !made[0].OK || made[0].Attempt != 2 {
		t.Fatalf("Tick after restart = %+v, %v; want attempt 2 delivered", made, err)
	}
	if n := r.count(ar.ID); n != 1 {
		t.Errorf("receiver got %s %d times, want once", ar.ID, n)
	}
	cs, err := d2.Case(ctx, clerk, ar.Request, desk.CaseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := cs.Actions[0]; got.Status != liaison.ActionDelivered || len(got.Deliveries) != 2 || got.Settled == nil || got.Settled.Attempts != 2 {
		t.Errorf("case action = %s with %d deliveries, outcome %+v; want delivered after 2 attempts", got.Status, len(got.Deliveries), got.Settled)
	}
	if made, _ := p2.Tick(ctx); len(made) != 0 {
		t.Errorf("Tick after delivery = %+v, want nothing", made)
	}
}

// TestClaimTakenOver: a claim whose node stopped before recording a result
// holds until its lease ends; then another node claims the next attempt.
func TestClaimTakenOver(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, "0123456789abcdef")
	d := e.deskWith(t, e.store, r)
	ctx := context.Background()
	a := agency(t, d, "us/tx/travis-county", "sheriff")
	ar := pendingAct(t, d, a.ID, "ice-1")
	now := e.clock.Now()
	// The claim of a node that died mid-send.
	dead := liaison.DeliveryClaimRecord{ID: "clm_dead", Agency: a.ID, Action: ar.ID, Attempt: 1, Slot: ar.ID + "/1", Node: "dead",
		At: now, LeaseUntil: now.Add(time.Minute)}
	body, err := ledger.MarshalCanonical(dead)
	if err != nil {
		t.Fatal(err)
	}
	salt, err := ledger.NewSalt(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	appendRecords(t, e.store, &liaison.StoredRecord{Kind: liaison.KindDeliveryClaim, ID: dead.ID, Agency: a.ID, Parent: ar.ID, Key: dead.Slot,
		Body: body, Salt: salt, At: now})

	c := &clock{t: now.Add(30 * time.Second)}
	p := dispatcher(t, e.deskWith(t, e.store, r), c, "live")
	if made, err := p.Tick(ctx); err != nil || len(made) != 0 {
		t.Fatalf("Tick within the dead node's lease = %+v, %v; want nothing", made, err)
	}
	c.Add(31 * time.Second)
	made, err := p.Tick(ctx)
	if err != nil || len(made) != 1 || !made[0].OK || made[0].Attempt != 2 {
		t.Fatalf("Tick after the lease = %+v, %v; want attempt 2 delivered", made, err)
	}
	if n := r.count(ar.ID); n != 1 {
		t.Errorf("receiver got %s %d times, want once", ar.ID, n)
	}
}

// TestTwoDispatchersDeliverOnce: two nodes' dispatchers on one database
// deliver each of N messages exactly once, signed.
func TestTwoDispatchersDeliverOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) (liaison.Store, liaison.Store)
	}{
		{"sqlite", func(t *testing.T) (liaison.Store, liaison.Store) {
			path := filepath.Join(t.TempDir(), "liaison.db")
			var out [2]liaison.Store
			for i := range out {
				s, err := sqlite.Open(t.Context(), path)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				out[i] = s
			}
			return out[0], out[1]
		}},
		{"postgres", func(t *testing.T) (liaison.Store, liaison.Store) {
			dsn := storetest.PostgresSchema(t)
			var out [2]liaison.Store
			for i := range out {
				s, err := postgres.Open(t.Context(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				out[i] = s
			}
			return out[0], out[1]
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s1, s2 := tc.open(t)
			e := newEnv(t)
			r := newReceiver(t, "0123456789abcdef")
			d1, d2 := e.deskWith(t, s1, r), e.deskWith(t, s2, r)
			a := agency(t, d1, "us/tx/travis-county", "sheriff")
			const n = 20
			var ids []string
			for i := range n {
				ids = append(ids, pendingAct(t, d1, a.ID, fmt.Sprint("ice-", i)).ID)
			}
			c := &clock{t: e.clock.Now()}
			ps := []*desk.Dispatcher{dispatcher(t, d1, c, "node-1"), dispatcher(t, d2, c, "node-2")}
			var wg sync.WaitGroup
			made := make([]int, len(ps))
			for i, p := range ps {
				wg.Go(func() {
					for range 3 {
						m, err := p.Tick(t.Context())
						if err != nil {
							t.Errorf("node %d: Tick: %v", i+1, err)
						}
						made[i] += len(m)
					}
				})
			}
			wg.Wait()
			for _, id := range ids {
				if got := r.count(id); got != 1 {
					t.Errorf("receiver got %s %d times, want once", id, got)
				}
			}
			if made[0]+made[1] != n || len(r.bad) != 0 {
				t.Errorf("attempts made %v (want %d in all), bad signatures %v", made, n, r.bad)
			}
			t.Logf("attempts by node: %v", made)
		})
	}
}

// TestActDoesNotWaitForDelivery: Act answers while the dispatcher's
// delivery of an earlier action is stuck at a receiver that has not
// answered; Run stops when its context ends.
func TestActDoesNotWaitForDelivery(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, "0123456789abcdef")
	r.hold = make(chan struct{})
	d := e.deskWith(t, e.store, r)
	ctx := context.Background()
	a := agency(t, d, "us/tx/travis-county", "sheriff")
	p, err := desk.NewDispatcher(d, desk.DispatcherConfig{Node: "n", Poll: time.Hour, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	run, stop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { p.Run(run); close(stopped) }()

	first := pendingAct(t, d, a.ID, "ice-1")
	if got := <-r.arrived; got != first.ID { // the dispatcher is now stuck in its post
		t.Fatalf("receiver got %s, want %s", got, first.ID)
	}
	second := pendingAct(t, d, a.ID, "ice-2") // answers: Act does not wait on the channel
	if r.count(first.ID) != 0 || r.count(second.ID) != 0 {
		t.Fatal("a post went through while the receiver held it")
	}
	close(r.hold)
	if got := <-r.arrived; got != second.ID { // Act woke the dispatcher: no poll in an hour
		t.Fatalf("receiver got %s, want %s", got, second.ID)
	}
	stop()
	<-stopped
	for _, ar := range []liaison.ActionRecord{first, second} {
		cs, err := d.Case(ctx, clerk, ar.Request, desk.CaseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if cs.Actions[0].Status != liaison.ActionDelivered || r.count(ar.ID) != 1 {
			t.Errorf("action %s = %s, posted %d times; want delivered once", ar.ID, cs.Actions[0].Status, r.count(ar.ID))
		}
	}
}

// TestActIdempotencyKey: an action sent again with its key is the same
// action; another action with that key is a conflict naming the field.
func TestActIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	r := newReceiver(t, "0123456789abcdef")
	d := e.deskWith(t, e.store, r)
	ctx := context.Background()
	a := agency(t, d, "us/tx/travis-county", "sheriff")
	in, err := d.Intake(ctx, clerk, detainer(a.ID, "ice-1", "honor_detainer", "notify_release"))
	if err != nil {
		t.Fatal(err)
	}
	act := desk.ActInput{Request: in.Request.ID, Action: "honor_detainer", IdempotencyKey: "act-1"}
	first, err := d.Act(ctx, clerk, act)
	if err != nil || !first.Created {
		t.Fatalf("Act = %+v, %v; want created", first, err)
	}
	again, err := d.Act(ctx, clerk, act)
	if err != nil || again.Created || again.Action.ID != first.Action.ID || again.Decision.ID != first.Decision.ID {
		t.Fatalf("Act again = %+v, %v; want action %s, not created", again, err, first.Action.ID)
	}
	other := act
	other.Action = "notify_release"
	if _, err := d.Act(ctx, clerk, other); liaison.KindOf(err) != liaison.Conflicting || fieldOf(err) != "action" {
		t.Errorf("Act with the key and another action = %v, want a conflict naming action", err)
	}
	if made, err := dispatcher(t, d, &clock{t: e.clock.Now()}, "n").Tick(ctx); err != nil || len(made) != 1 {
		t.Errorf("Tick = %+v, %v; want the one action delivered", made, err)
	}
}

// TestAgencyChannels: an agency's own channel takes its actions; another
// agency's go through the server's; the secret is sealed in the record
// and never shown.
func TestAgencyChannels(t *testing.T) {
	e := newEnv(t)
	server := newReceiver(t, "0123456789abcdef")
	own := newReceiver(t, "the agency's own secret, 32 chars")
	d := e.deskWith(t, e.store, server)
	ctx := context.Background()
	a := agency(t, d, "us/tx/travis-county", "sheriff")
	b := agency(t, d, "us/tx/travis-county", "jail")
	if _, err := d.SetChannel(ctx, clerk, a.ID, desk.ChannelInput{Kind: "webhook", URL: own.srv.URL, Secret: string(own.secret)}); liaison.KindOf(err) != liaison.Denied {
		t.Errorf("SetChannel by a clerk = %v, want denied", err)
	}
	if _, err := d.SetChannel(ctx, admin, a.ID, desk.ChannelInput{Kind: "webhook", URL: own.srv.URL, Secret: "short"}); fieldOf(err) != "secret" {
		t.Errorf("SetChannel with a short secret = %v, want invalid secret", err)
	}
	v, err := d.SetChannel(ctx, admin, a.ID, desk.ChannelInput{Kind: "webhook", URL: own.srv.URL, Secret: string(own.secret)})
	if err != nil {
		t.Fatal(err)
	}
	supervisorA := liaison.Actor{ID: "tok_sup", Role: liaison.RoleSupervisor, Agency: a.ID}
	got, err := d.AgencyChannel(ctx, supervisorA, a.ID)
	if err != nil || !got.SecretSet || got.SecretFingerprint == "" || got.URL != own.srv.URL || got.ID != v.ID {
		t.Errorf("AgencyChannel as its supervisor = %+v, %v; want the webhook, a secret set", got, err)
	}
	if _, err := d.AgencyChannel(ctx, supervisorA, b.ID); liaison.KindOf(err) != liaison.Denied {
		t.Errorf("AgencyChannel of another agency = %v, want denied", err)
	}
	if _, err := d.AgencyChannel(ctx, admin, b.ID); liaison.KindOf(err) != liaison.NotFound {
		t.Errorf("AgencyChannel of an agency without one = %v, want not found", err)
	}
	recs, err := e.store.List(ctx, liaison.Filter{Kind: liaison.KindChannel})
	if err != nil || len(recs) != 1 {
		t.Fatalf("channel records = %d, %v; want 1", len(recs), err)
	}
	if bytes.Contains(recs[0].Body, own.secret) || !bytes.Contains(recs[0].Body, []byte("sealed_secret")) {
		t.Errorf("channel record body %s: want the secret sealed, not in clear", recs[0].Body)
	}

	toA, toB := pendingAct(t, d, a.ID, "ice-a"), pendingAct(t, d, b.ID, "ice-b")
	if made, err := dispatcher(t, d, &clock{t: e.clock.Now()}, "n").Tick(ctx); err != nil || len(made) != 2 || made[0].Channel != v.ID || made[1].Channel != "webhook" {
		t.Fatalf("Tick = %+v, %v; want 2 deliveries, through %s and the server's webhook", made, err, v.ID)
	}
	if own.count(toA.ID) != 1 || own.count(toB.ID) != 0 || server.count(toB.ID) != 1 || server.count(toA.ID) != 0 {
		t.Errorf("agency A's receiver got %v, the server's %v; want A's action at A's, B's at the server's", own.byKey, server.byKey)
	}
	if len(own.bad)+len(server.bad) != 0 {
		t.Errorf("bad signatures: %v %v", own.bad, server.bad)
	}
	if !strings.Contains(own.bodies[0], toA.ID) {
		t.Errorf("agency A's receiver got %s, want action %s", own.bodies[0], toA.ID)
	}
}

// TestHangingReceiverHoldsUpOne: a receiver that does not answer holds up
// the attempt to it, not the other agency's delivery in the same Tick.
func TestHangingReceiverHoldsUpOne(t *testing.T) {
	e := newEnv(t)
	server := newReceiver(t, "0123456789abcdef")
	hanging := newReceiver(t, "the hanging receiver's secret")
	hanging.hold = make(chan struct{})
	d := e.deskWith(t, e.store, server)
	ctx := context.Background()
	a := agency(t, d, "us/tx/travis-county", "sheriff")
	b := agency(t, d, "us/tx/travis-county", "jail")
	if _, err := d.SetChannel(ctx, admin, a.ID, desk.ChannelInput{Kind: "webhook", URL: hanging.srv.URL, Secret: string(hanging.secret)}); err != nil {
		t.Fatal(err)
	}
	server.hold = make(chan struct{}) // say when a post arrives, and let it through
	close(server.hold)
	toA := pendingAct(t, d, a.ID, "ice-a") // due first
	toB := pendingAct(t, d, b.ID, "ice-b")
	p, err := desk.NewDispatcher(d, desk.DispatcherConfig{Parallel: 2, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []liaison.DeliveryRecord)
	go func() {
		made, err := p.Tick(ctx)
		if err != nil {
			t.Errorf("Tick: %v", err)
		}
		done <- made
	}()
	if got := <-hanging.arrived; got != toA.ID {
		t.Fatalf("hanging receiver got %s, want %s", got, toA.ID)
	}
	if got := <-server.arrived; got != toB.ID { // while A's post hangs
		t.Fatalf("server's receiver got %s, want %s", got, toB.ID)
	}
	close(hanging.hold)
	if made := <-done; len(made) != 2 || !made[0].OK || !made[1].OK || made[0].Action != toA.ID {
		t.Errorf("Tick = %+v, want both delivered, A's first", made)
	}
}
