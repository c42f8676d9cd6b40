package server

import (
	"crypto/sha256"
	"sync"
	"time"

	"liaison"
)

// TokenCacheTTL is how long the server trusts a token it has looked up
// without looking again, by default (Config.TokenCacheTTL). A token revoked
// through this server stops working at once, and so does one revoked
// through another server that tells this one (Server.TokenRevoked: on
// PostgreSQL, every server listens for revocations); one revoked elsewhere
// (liaison token revoke, or while this server was not listening) stops
// within this time.
const TokenCacheTTL = 30 * time.Second

// tokenCache keeps the actors of tokens the server has looked up, by the
// SHA-256 of the token, so that a request costs no store reads to
// authenticate. Only tokens found and not revoked are kept: an unknown
// token is looked up every time, so guessing cannot grow the cache.
type tokenCache struct {
	mu      sync.Mutex
	entries map[[sha256.Size]byte]tokenEntry
	// gen counts revocations through this server. A lookup that started
	// before one does not keep its answer, which may predate it.
	gen uint64
	// ttl is how long an entry lasts.
	ttl time.Duration
}

type tokenEntry struct {
	actor   liaison.Actor
	expires time.Time
}

// get returns the actor of the token with hash sum, if it is cached and
// has not expired, and the generation to pass to put otherwise.
func (c *tokenCache) get(sum [sha256.Size]byte, now time.Time) (liaison.Actor, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[sum]
	if ok && now.Before(e.expires) {
		return e.actor, true, c.gen
	}
	if ok {
		delete(c.entries, sum)
	}
	return liaison.Actor{}, false, c.gen
}

// put caches the actor of the token with hash sum, looked up since
// generation gen, until now+ttl.
func (c *tokenCache) put(sum [sha256.Size]byte, a liaison.Actor, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return // a token was revoked meanwhile: maybe this one
	}
	if c.entries == nil {
		c.entries = make(map[[sha256.Size]byte]tokenEntry)
	}
	if len(c.entries) >= 1024 {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
	}
	c.entries[sum] = tokenEntry{actor: a, expires: now.Add(c.ttl)}
}

// revoked drops the token with the given id. Call it once the revocation
// is stored.
func (c *tokenCache) revoked(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, e := range c.entries {
		if e.actor.ID == id {
			delete(c.entries, k)
		}
	}
}

// forget drops every token: some may have been revoked unseen.
func (c *tokenCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}
