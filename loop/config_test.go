package loop

import (
	"log/slog"
	"math"
	"runtime"
	"testing"
	"time"
)

// TestConfigNormalized checks the defaults written beside Config's fields
// (with GOMAXPROCS at 1, where "at least 8" shows) and the bounds Normalized
// applies to given values.
func TestConfigNormalized(t *testing.T) {
	prev := runtime.GOMAXPROCS(1)
	c := Config{}.Normalized()
	runtime.GOMAXPROCS(prev)
	want := Config{
		Network: "tcp", Loops: 1, HighWater: 64 << 10, LowWater: 16 << 10, MaxInbound: 1 << 20,
		WriteTimeout: 30 * time.Second, CloseLinger: 2 * time.Second,
		PoolWorkers: 8, PoolQueue: 1024, PoolSpare: 32, Logger: slog.Default(),
	}
	if c != want {
		t.Errorf("Config{}.Normalized() =\n%+v, want\n%+v", c, want)
	}
	b := Config{HighWater: 100, LowWater: 200, MaxInbound: math.MaxInt, PoolSpare: -1}.Normalized()
	if b.LowWater != 100 || b.MaxInbound != 1<<30 || b.PoolSpare != 0 {
		t.Errorf("bounds not applied: LowWater %d, MaxInbound %d, PoolSpare %d", b.LowWater, b.MaxInbound, b.PoolSpare)
	}
}
