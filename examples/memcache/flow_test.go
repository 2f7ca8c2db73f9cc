package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/loop"
)

// A client that pipelines 150,000 gets (1.2 MB of requests, far past the 24 KiB the
// server holds unconsumed) before it reads any reply is answered in full, as memcached
// answers it: reading stops while the replies wait.
func TestNonReadingPipelineServed(t *testing.T) {
	const n = 150000
	srv := startOurs(t, loop.Config{Loops: 1, SocketSendBuffer: 64 << 10}, options{})
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.(*net.TCPConn).SetReadBuffer(64 << 10)
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	val := strings.Repeat("v", 100)
	if _, err := c.Write([]byte(storage("set", "key", "0", "0", val))); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReaderSize(c, 64<<10)
	if line, err := r.ReadString('\n'); err != nil || line != "STORED\r\n" {
		t.Fatalf("set: %q %v", line, err)
	}
	if _, err := c.Write(bytes.Repeat([]byte("get key\r\n"), n)); err != nil {
		t.Fatal(err)
	}
	want := []byte("VALUE key 0 100\r\n" + val + "\r\nEND\r\n")
	got := make([]byte, len(want))
	for i := range n {
		if _, err := io.ReadFull(r, got); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("reply %d: %q, %v", i, got, err)
		}
	}
	t.Logf("parks: %d", srv.Loops()[0].Stats().Parks)
}

// An idle connection is closed after the idle timeout; one that keeps talking is not.
func TestIdleTimeout(t *testing.T) {
	srv := startOurs(t, loop.Config{Loops: 1}, options{idle: 200 * time.Millisecond})
	busy, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	idle, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	_ = idle.SetReadDeadline(time.Now().Add(10 * time.Second))
	closed := make(chan error, 1)
	go func() {
		_, err := idle.Read(make([]byte, 1))
		closed <- err
	}()
	br := bufio.NewReader(busy)
	start := time.Now()
	for {
		select {
		case err := <-closed:
			if err != io.EOF {
				t.Fatalf("idle connection: %v, want EOF", err)
			}
			if d := time.Since(start); d < 150*time.Millisecond {
				t.Fatalf("closed after %v, before the 200 ms idle timeout", d)
			}
			// The busy one, which talked every 50 ms, is still open.
			if _, err := busy.Write([]byte("version\r\n")); err != nil {
				t.Fatal(err)
			}
			if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, "VERSION ") {
				t.Fatalf("busy connection: %q, %v", line, err)
			}
			return
		case <-time.After(50 * time.Millisecond): // the busy client's pace
			if _, err := busy.Write([]byte("version\r\n")); err != nil {
				t.Fatal(err)
			}
			if _, err := br.ReadString('\n'); err != nil {
				t.Fatalf("busy connection closed: %v", err)
			}
		}
	}
}

// A drain lets a value that is half sent finish (the client gets STORED), closes idle
// connections at once, and refuses new ones.
func TestDrainFinishesCommand(t *testing.T) {
	srv, err := newServer(loop.Config{Addr: "127.0.0.1:0", Loops: 1}, options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	addr := srv.Addr().String()
	mid, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer mid.Close()
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	_ = mid.SetDeadline(time.Now().Add(10 * time.Second))
	_ = idle.SetDeadline(time.Now().Add(10 * time.Second))
	val := pattern(100000, 4)
	req := []byte(storage("set", "d", "0", "0", string(val)))
	if _, err := mid.Write(req[:50000]); err != nil {
		t.Fatal(err)
	}
	waitConns(t, srv, 2)
	drained := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		drained <- srv.Drain(ctx)
	}()
	if n, err := idle.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("idle connection during the drain: %d, %v; want EOF", n, err)
	}
	if _, err := mid.Write(req[50000:]); err != nil {
		t.Fatal(err)
	}
	all, err := io.ReadAll(mid)
	if err != nil || string(all) != "STORED\r\n" {
		t.Fatalf("half-sent set during the drain: %q, %v", all, err)
	}
	if err := <-drained; err != nil {
		t.Fatalf("drain: %v", err)
	}
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Fatal("a connection was accepted after the drain")
	}
}

func waitConns(t *testing.T, srv *loop.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for srv.NumConns() != n {
		if time.Now().After(deadline) {
			t.Fatalf("NumConns %d, want %d", srv.NumConns(), n)
		}
		time.Sleep(time.Millisecond) // polling interval, not synchronisation
	}
}

// A client that pipelines 50,000 gets and half-closes (as nc -N does) before reading
// gets every reply, then EOF.
func TestHalfClosedPipelineServed(t *testing.T) {
	const n = 50000
	srv := startOurs(t, loop.Config{Loops: 1, SocketSendBuffer: 64 << 10}, options{})
	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.(*net.TCPConn).SetReadBuffer(64 << 10)
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	val := strings.Repeat("h", 200)
	req := append([]byte(storage("set", "hk", "0", "0", val)), bytes.Repeat([]byte("get hk\r\n"), n)...)
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	all, err := io.ReadAll(c)
	want := "STORED\r\n" + strings.Repeat("VALUE hk 0 200\r\n"+val+"\r\nEND\r\n", n)
	if err != nil || string(all) != want {
		t.Fatalf("got %d bytes (%v), want %d: every reply, then EOF", len(all), err, len(want))
	}
}
