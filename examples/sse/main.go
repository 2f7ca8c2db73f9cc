// Command sse shows server-sent events (text/event-stream): a live clock
// and a tail of the server's own request log, in a page that follows both
// with EventSource.
//
//	GET /        -> the page
//	GET /clock   -> an event "tick" every -every (default 1 s)
//	GET /log     -> the request log: recent lines, then new ones as they come
//
// Each log line is an event whose id is its number: a browser that
// reconnects sends Last-Event-ID and gets only the lines it missed.
//
//	go run ./examples/sse                 # listens on :8080
//	curl -N localhost:8080/clock          # a tick a second
//	curl -N localhost:8080/log            # the log, live
package main

import (
	_ "embed"
	"flag"
	"log"
	"strconv"
	"sync"
	"time"

	"github.com/eddy-go/eddy"
)

//go:embed index.html
var page string

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	every := flag.Duration("every", time.Second, "clock tick period")
	flag.Parse()
	if err := newApp(eddy.Config{}, *every).Run(*addr); err != nil {
		log.Fatal(err)
	}
}

// newApp builds the application; main runs it, the tests start it on
// 127.0.0.1:0.
func newApp(cfg eddy.Config, every time.Duration) *eddy.App {
	app := eddy.New(cfg)
	logs := newLogHub(100)
	app.Use(logs.middleware)
	app.Get("/", func(c *eddy.Ctx) error { return c.HTML(page) })
	app.Get("/clock", func(c *eddy.Ctx) error {
		es, err := c.SSE(eddy.SSEOptions{})
		if err != nil {
			return err
		}
		// A goroutine per client: Send blocks while this client reads
		// slowly, and fails once it left or the server drains.
		go func() {
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				now := time.Now().UTC().Format("15:04:05.000")
				if es.Send(eddy.Event{Event: "tick", Data: now}) != nil {
					return
				}
				select {
				case <-t.C:
				case <-es.Done():
					return
				}
			}
		}()
		return nil
	})
	app.Get("/log", func(c *eddy.Ctx) error {
		es, err := c.SSE(eddy.SSEOptions{})
		if err != nil {
			return err
		}
		after, _ := strconv.Atoi(es.LastEventID()) // 0: from the oldest line kept
		go logs.follow(es, after)
		return nil
	})
	return app
}

// logHub keeps the last lines of the request log and wakes followers when
// one is added.
type logHub struct {
	mu    sync.Mutex
	lines []string // the last keep lines
	next  int      // number of the next line (the first is 1)
	keep  int
	added chan struct{} // closed and replaced when a line is added
}

func newLogHub(keep int) *logHub {
	return &logHub{keep: keep, next: 1, added: make(chan struct{})}
}

// middleware logs every request once it is answered.
func (h *logHub) middleware(next eddy.Handler) eddy.Handler {
	return func(c *eddy.Ctx) error {
		c.OnFinish(h.finished)
		return next(c)
	}
}

func (h *logHub) finished(c *eddy.Ctx) {
	h.add(time.Now().UTC().Format("15:04:05") + " " + c.Method() + " " + c.Path() + " " + strconv.Itoa(c.StatusCode()))
}

func (h *logHub) add(line string) {
	h.mu.Lock()
	h.lines = append(h.lines, line)
	if len(h.lines) > h.keep {
		h.lines = h.lines[1:]
	}
	h.next++
	close(h.added)
	h.added = make(chan struct{})
	h.mu.Unlock()
}

// since returns the lines numbered after n, the number of the last one,
// and a channel closed when another is added.
func (h *logHub) since(n int) ([]string, int, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	first := h.next - len(h.lines) // number of lines[0]
	from := max(n+1-first, 0)
	if from > len(h.lines) {
		from = len(h.lines)
	}
	return append([]string(nil), h.lines[from:]...), h.next - 1, h.added
}

// follow sends the lines after line n, then each new one, until the
// stream ends.
func (h *logHub) follow(es *eddy.SSE, n int) {
	for {
		lines, last, added := h.since(n)
		first := last - len(lines) + 1
		for i, line := range lines {
			if es.Send(eddy.Event{ID: strconv.Itoa(first + i), Data: line}) != nil {
				return
			}
		}
		n = last
		select {
		case <-added:
		case <-es.Done():
			return
		}
	}
}
