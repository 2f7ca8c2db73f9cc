package eddy

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"

	"github.com/eddy-go/eddy/loop"
)

// DefaultTestTimeout bounds an App.Test exchange when no timeout is given.
const DefaultTestTimeout = 10 * time.Second

// Test sends req through the app and returns its response with the body
// read whole (fiber's app.Test): the request runs through the same parser,
// router, middleware and handler (on the loop or in the pool) as a client's
// would, with no listener and no network: each call opens a
// socketpair(AF_UNIX, SOCK_STREAM), hands one end to a loop as if it had
// been accepted, writes req to the other end (req.Write) and reads the
// answer (http.ReadResponse). An event loop serves file descriptors, so a
// socketpair is the nearest it gets to memory.
//
// req's URL may be a bare path ("/users/1"); with neither req.Host nor a
// URL host, the Host header is "example.com" (as httptest.NewRequest
// does). The exchange is one request on its own connection: the response
// carries what the app answered (status, headers, trailers), its Body is
// an in-memory reader (closing it is optional), and its Request is req.
// Handlers see a unix socket's RemoteAddr (network "unix", address "@").
//
// The first call on an app that was not started starts it without a
// listener: the OnStartup hooks and CleanupCtx setups run then, and Addr
// stays nil; stop it with Shutdown, which runs the OnShutdown and cleanup
// hooks. An app started with Start or Run is served the same way, beside
// its listener.
//
// timeout (one value; default DefaultTestTimeout; zero or less waits
// without limit) bounds the whole exchange: when it passes, Test returns
// an error that wraps os.ErrDeadlineExceeded. Safe for concurrent use.
func (a *App) Test(req *http.Request, timeout ...time.Duration) (*http.Response, error) {
	d := DefaultTestTimeout
	if len(timeout) > 0 {
		d = timeout[0]
	}
	srv, err := a.testServer()
	if err != nil {
		return nil, err
	}
	ours, theirs, err := socketPair()
	if err != nil {
		return nil, fmt.Errorf("eddy: Test: %w", err)
	}
	defer ours.Close()
	if err := srv.ServeConn(theirs); err != nil {
		return nil, fmt.Errorf("eddy: Test: %w", err)
	}
	if d > 0 {
		_ = ours.SetDeadline(time.Now().Add(d))
	}
	out := req.Clone(req.Context())
	if out.Host == "" && out.URL.Host == "" {
		out.Host = "example.com"
	}
	// The request is written on a goroutine of its own: the app may answer
	// (413, 400) before it read the whole body, and a writer that blocks
	// must not keep the answer from being read.
	wrote := make(chan error, 1)
	go func() {
		err := out.Write(ours)
		if err != nil {
			ours.Close() // the read below ends too
		}
		wrote <- err
	}()
	resp, err := readTestResponse(bufio.NewReader(ours), out)
	ours.Close() // unblocks a writer the app stopped reading
	werr := <-wrote
	if err != nil {
		if werr != nil && !errors.Is(werr, net.ErrClosed) && !errors.Is(err, os.ErrDeadlineExceeded) {
			err = werr
		}
		return nil, fmt.Errorf("eddy: Test %s %s: %w", req.Method, req.URL, err)
	}
	resp.Request = req
	return resp, nil
}

// readTestResponse reads the final response to req (1xx interim answers,
// other than 101, are skipped) with its body read whole.
func readTestResponse(br *bufio.Reader, req *http.Request) (*http.Response, error) {
	for {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return nil, err
			}
			resp.Body = io.NopCloser(bytes.NewReader(b))
			return resp, nil
		}
		resp.Body.Close()
	}
}

// errTestStopped: Test on an app that has stopped, or whose start failed.
var errTestStopped = errors.New("eddy: Test: the app has stopped")

// testServer returns the app's running server, starting the app without a
// listener if it was not started.
func (a *App) testServer() (*loop.Server, error) {
	a.mu.Lock()
	started := a.done != nil
	a.mu.Unlock()
	if !started {
		if err := a.start(""); err != nil && !errors.Is(err, ErrStarted) {
			return nil, err
		}
	}
	a.mu.Lock()
	srv, done := a.srv, a.done
	a.mu.Unlock()
	select {
	case <-done:
		if a.doneErr != nil {
			return nil, fmt.Errorf("%w: %w", errTestStopped, a.doneErr)
		}
		return nil, errTestStopped
	default:
	}
	return srv, nil
}

// socketPair returns the two ends of a new AF_UNIX stream socketpair.
func socketPair() (ours, theirs net.Conn, err error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, os.NewSyscallError("socketpair", err)
	}
	conns := [2]net.Conn{}
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "eddy-test")
		conns[i], err = net.FileConn(f) // a duplicate: f is closed either way
		f.Close()
		if err != nil {
			for _, c := range conns[:i] {
				c.Close()
			}
			if i == 0 {
				syscall.Close(fds[1])
			}
			return nil, nil, err
		}
	}
	return conns[0], conns[1], nil
}
