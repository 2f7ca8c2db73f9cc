package middleware

import (
	"hash/maphash"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/eddy-go/eddy"
)

// RateLimitConfig configures RateLimit.
type RateLimitConfig struct {
	// Rate is how many requests per second a key may make on average.
	// Required.
	Rate float64
	// Burst is how many a key may make at once (the bucket's size).
	// Default: Rate rounded up, at least 1.
	Burst int
	// Key names the bucket a request draws from. Default: the client's
	// address (Ctx.RemoteAddr, so behind Proxy the real client).
	Key func(c *eddy.Ctx) string
	// MaxKeys bounds the table of buckets: when it is full, a new key
	// evicts a bucket of the same shard, refilled ones first (a key that
	// is not limiting loses nothing), else the least recently used, so
	// memory stays bounded whatever keys clients invent. Default 100000.
	MaxKeys int
	// Now is the clock (tests). Default time.Now.
	Now func() time.Time
}

const rateShards = 16

// RateLimit returns middleware limiting each key to a token bucket (Rate
// per second, Burst at once): a request finding the bucket empty is
// answered 429 with Retry-After (whole seconds until a token is back),
// without calling the handler. Buckets live in a table sharded 16 ways,
// each shard behind its own mutex held for a map look-up, so loops
// rarely wait on one another.
func RateLimit(cfg RateLimitConfig) eddy.Middleware {
	return newLimiter(cfg).middleware
}

func newLimiter(cfg RateLimitConfig) *limiter {
	if cfg.Rate <= 0 || math.IsInf(cfg.Rate, 0) || math.IsNaN(cfg.Rate) {
		panic("middleware: RateLimit needs a positive Rate")
	}
	burst := float64(cfg.Burst)
	if cfg.Burst <= 0 {
		burst = math.Max(1, math.Ceil(cfg.Rate))
	}
	maxKeys := cfg.MaxKeys
	if maxKeys <= 0 {
		maxKeys = 100000
	}
	l := &limiter{rate: cfg.Rate, burst: burst, perShard: max(1, (maxKeys+rateShards-1)/rateShards),
		key: cfg.Key, now: cfg.Now, seed: maphash.MakeSeed()}
	if l.key == nil {
		l.key = func(c *eddy.Ctx) string { return addrOf(c.RemoteAddr()).String() }
	}
	if l.now == nil {
		l.now = time.Now
	}
	for i := range l.shards {
		l.shards[i].m = make(map[string]*bucket)
	}
	return l
}

type limiter struct {
	rate, burst float64
	perShard    int
	key         func(*eddy.Ctx) string
	now         func() time.Time
	seed        maphash.Seed
	shards      [rateShards]shard
}

type shard struct {
	mu sync.Mutex
	m  map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

var errTooMany = eddy.NewHTTPError(429, "too many requests")

func (l *limiter) middleware(next eddy.Handler) eddy.Handler {
	return func(c *eddy.Ctx) error {
		wait, ok := l.take(l.key(c))
		if !ok {
			secs := int64(math.Ceil(wait.Seconds()))
			c.SetHeader("Retry-After", strconv.FormatInt(max(secs, 1), 10))
			return errTooMany
		}
		return next(c)
	}
}

// take draws a token from key's bucket: ok, or how long until one is
// back.
func (l *limiter) take(key string) (time.Duration, bool) {
	now := l.now()
	s := &l.shards[maphash.String(l.seed, key)%rateShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.m[key]
	if b == nil {
		if len(s.m) >= l.perShard {
			l.evict(s, now)
		}
		b = &bucket{tokens: l.burst, last: now}
		s.m[key] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(l.burst, b.tokens+el*l.rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / l.rate * float64(time.Second)), false
}

// evict removes one bucket from a full shard: one already refilled (its
// key loses nothing), else the least recently used. It scans the shard:
// O(MaxKeys/16), paid only while the table is full.
func (l *limiter) evict(s *shard, now time.Time) {
	var oldest string
	var oldestAt time.Time
	for k, b := range s.m {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(s.m, k)
			return
		}
		if oldest == "" || b.last.Before(oldestAt) {
			oldest, oldestAt = k, b.last
		}
	}
	delete(s.m, oldest)
}

// size returns the number of buckets held (tests).
func (l *limiter) size() int {
	n := 0
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}
