package loop

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// The echo benchmarks compare loop/ with plain gnet doing the same thing, in the same
// run: one loop, 8 client connections, each doing round trips of a 64-byte message.
// cpu-ns/msg is the process's user+system CPU (getrusage) per round trip; the client's
// share is the same in both, so the difference is the cost of this layer.
//
//	go test -run '^$' -bench Echo -count 6 ./loop | benchstat -col /server -

func BenchmarkEcho(b *testing.B) {
	b.Run("server=gnet", func(b *testing.B) {
		addr, stop := startPlainGnet(b)
		defer stop()
		runEchoClients(b, addr)
	})
	b.Run("server=loop", func(b *testing.B) {
		s := startServer(b, Config{Loops: 1}, func() Protocol { return echoProto{} })
		runEchoClients(b, s.Addr().String())
	})
}

type plainEcho struct {
	gnet.BuiltinEventEngine
	eng  gnet.Engine
	boot chan struct{}
}

func (p *plainEcho) OnBoot(e gnet.Engine) gnet.Action { p.eng = e; close(p.boot); return gnet.None }
func (p *plainEcho) OnTraffic(c gnet.Conn) gnet.Action {
	buf, _ := c.Next(-1)
	_, _ = c.Write(buf)
	return gnet.None
}

func startPlainGnet(b *testing.B) (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &plainEcho{boot: make(chan struct{})}
	done := make(chan error, 1)
	go func() {
		done <- gnet.Run(p, "tcp://"+addr, gnet.WithNumEventLoop(1), gnet.WithReuseAddr(true),
			gnet.WithLogger(gnetLogger{slog.New(slog.DiscardHandler)}))
	}()
	select {
	case <-p.boot:
	case err := <-done:
		b.Fatal(err)
	}
	return addr, func() {
		go func() { _ = p.eng.Stop(context.Background()) }()
		<-done
	}
}

func runEchoClients(b *testing.B, addr string) {
	const conns, size = 8, 64
	cs := make([]net.Conn, conns)
	for i := range cs {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		cs[i] = c
	}
	msg := make([]byte, size)
	b.SetBytes(size)
	b.ReportAllocs()
	ru0 := cpuTime()
	b.ResetTimer()
	errs := make(chan error, conns)
	per := b.N/conns + 1
	for _, c := range cs {
		go func(c net.Conn) {
			buf := make([]byte, size)
			for range per {
				if _, err := c.Write(msg); err != nil {
					errs <- err
					return
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}(c)
	}
	for range conns {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu := cpuTime() - ru0
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(per*conns), "cpu-ns/msg")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// bigWriter writes size bytes at once when asked ("go\n"): all but what the kernel takes
// waits in the output queue, and the benchmark measures how fast the queue drains into a
// client that reads as fast as it can.
type bigWriter struct{ out []byte }

func (b *bigWriter) ConnectionMade(*Conn)        {}
func (b *bigWriter) ConnectionLost(*Conn, error) {}
func (b *bigWriter) DataReceived(c *Conn, data []byte) int {
	_ = c.Write(b.out)
	return len(data)
}

// BenchmarkDrainQueued200MB: 200 MB of replies queued at once, read by the client as fast
// as it can; the time is how long the whole takes to arrive.
func BenchmarkDrainQueued200MB(b *testing.B) {
	const size = 200 << 20
	bw := &bigWriter{out: make([]byte, size)}
	s := startServer(b, Config{Loops: 1}, func() Protocol { return bw })
	c := dial(b, s)
	buf := make([]byte, 1<<20)
	b.SetBytes(size)
	for b.Loop() {
		if _, err := c.Write([]byte("go\n")); err != nil {
			b.Fatal(err)
		}
		for got := 0; got < size; {
			n, err := c.Read(buf)
			if err != nil {
				b.Fatal(err)
			}
			got += n
		}
	}
	st := s.Loops()[0].Stats()
	b.ReportMetric(float64(st.Writable)/float64(b.N), "wakes/op")
	b.ReportMetric(float64(st.TimersFired)/float64(b.N), "timers/op")
}

// counter consumes everything and counts it.
type counter struct {
	*recorder
	n int
}

func (p *counter) DataReceived(_ *Conn, data []byte) int { p.n += len(data); return len(data) }

// BenchmarkParkCycle measures a pause, size bytes arriving while paused, and the resume
// that offers them: below parkAt the bytes wait in gnet's buffer (the soft pause), past
// it the connection is parked and enrolled in gnet again. cpu-ns/op is the process's CPU
// per cycle (client included, the same in both).
func BenchmarkParkCycle(b *testing.B) {
	for _, size := range []int{32 << 10, parkAt + 16<<10} {
		b.Run(fmt.Sprintf("size=%dKiB", size>>10), func(b *testing.B) {
			p := &counter{recorder: newRecorder(nil)}
			s := startServer(b, Config{Loops: 1}, func() Protocol { return p })
			c := dial(b, s)
			sc := recv(b, p.made, "ConnectionMade")
			l := s.Loops()[0]
			msg := make([]byte, size)
			want := 0
			cpu0 := cpuTime()
			for b.Loop() {
				onLoop(b, l, sc.PauseReading)
				if _, err := c.Write(msg); err != nil {
					b.Fatal(err)
				}
				want += size
				// All of it buffered, or parked (the rest waits in the kernel).
				waitFor(b, 10*time.Second, "the bytes buffered", func() bool {
					var n int
					onLoop(b, l, func() { n = sc.InboundBuffered() })
					return n >= min(size, parkAt)
				})
				onLoop(b, l, sc.ResumeReading)
				waitFor(b, 10*time.Second, "the bytes offered", func() bool {
					var n int
					onLoop(b, l, func() { n = p.n })
					return n == want
				})
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
			b.ReportMetric(float64(l.Stats().Parks)/float64(b.N), "parks/op")
		})
	}
}
