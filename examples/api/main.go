// Command api is a small JSON API (notes, per user) built from eddy's
// ecosystem packages together: typed binding and validation (bind),
// signed-cookie sessions, CORS, compression, request IDs and security
// headers (middleware), and an access log that carries the request ID.
//
//	go run ./examples/api
//	curl -i -c jar -b jar -d '{"user":"ada"}' -H 'Content-Type: application/json' localhost:8080/login
//	curl -i -c jar -b jar -d '{"title":"hi","body":"first note"}' -H 'Content-Type: application/json' localhost:8080/notes
//	curl -i -b jar --compressed localhost:8080/notes
package main

import (
	"flag"
	"log"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/bind"
	"github.com/eddy-go/eddy/middleware"
)

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	flag.Parse()
	key := []byte(os.Getenv("SESSION_KEY"))
	if len(key) < 32 {
		log.Fatal("set SESSION_KEY to at least 32 random bytes")
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := newApp(eddy.Config{Logger: logger}, key, []string{"http://localhost:3000"}).Run(*addr); err != nil {
		log.Fatal(err)
	}
}

// Note is one note.
type Note struct {
	ID      int       `json:"id"`
	Title   string    `json:"title"`
	Body    string    `json:"body"`
	Created time.Time `json:"created"`
}

// store keeps notes per user, in memory. Handlers run in the pool
// (Config.Placement), so its mutex never holds a loop.
type store struct {
	mu    sync.Mutex
	next  int
	notes map[string]map[int]Note
}

func (s *store) add(user string, n Note) Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	n.ID = s.next
	if s.notes[user] == nil {
		s.notes[user] = make(map[int]Note)
	}
	s.notes[user][n.ID] = n
	return n
}

func (s *store) get(user string, id int) (Note, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.notes[user][id]
	return n, ok
}

func (s *store) list(user string, limit int) []Note {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Note, 0, len(s.notes[user]))
	for _, n := range s.notes[user] {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

type loginIn struct {
	User string `json:"user" validate:"required,min=2,max=32"`
}

type noteIn struct {
	Title string `json:"title" validate:"required,max=100"`
	Body  string `json:"body" validate:"max=10000"`
}

type listIn struct {
	Limit int `query:"limit" validate:"min=0,max=1000"`
}

type getIn struct {
	ID int `path:"id" validate:"min=1"`
}

var errLogin = eddy.NewHTTPError(401, "log in first")

// user returns the session's user, or "" when not logged in.
func user(c *eddy.Ctx) string {
	u, _ := middleware.SessionOf(c).Get("user").(string)
	return u
}

// newApp builds the application; main runs it, the tests send it requests
// with eddytest.Test.
func newApp(cfg eddy.Config, sessionKey []byte, origins []string) *eddy.App {
	cfg.Placement = eddy.InPool
	app := eddy.New(cfg)
	app.Use(
		middleware.RequestID(middleware.RequestIDConfig{}),
		eddy.AccessLog(app.Logger(), eddy.DefaultAccessLogFormat+` %{X-Request-ID}o`),
		middleware.Secure(middleware.SecureConfig{}),
		middleware.CORS(middleware.CORSConfig{AllowOrigins: origins, AllowCredentials: true,
			AllowHeaders: []string{"Content-Type"}, ExposeHeaders: []string{"X-Request-ID"}, MaxAge: time.Hour}),
		middleware.Compress(middleware.CompressConfig{}),
		middleware.Sessions(middleware.SessionConfig{Keys: [][]byte{sessionKey}}),
	)
	db := &store{notes: make(map[string]map[int]Note)}
	app.Post("/login", func(c *eddy.Ctx) error {
		var in loginIn
		if err := bind.Bind(c, &in); err != nil {
			return err
		}
		middleware.SessionOf(c).Set("user", in.User)
		return c.JSON(map[string]string{"user": in.User})
	})
	app.Post("/logout", func(c *eddy.Ctx) error {
		middleware.SessionOf(c).Invalidate()
		return c.NoContent(204)
	})
	app.Post("/notes", func(c *eddy.Ctx) error {
		u := user(c)
		if u == "" {
			return errLogin
		}
		var in noteIn
		if err := bind.Bind(c, &in); err != nil {
			return err
		}
		n := db.add(u, Note{Title: in.Title, Body: in.Body, Created: time.Now().UTC()})
		c.SetHeader("Location", "/notes/"+strconv.Itoa(n.ID))
		return c.Status(201).JSON(n)
	})
	app.Get("/notes", func(c *eddy.Ctx) error {
		u := user(c)
		if u == "" {
			return errLogin
		}
		var in listIn
		if err := bind.Bind(c, &in); err != nil {
			return err
		}
		return c.JSON(db.list(u, in.Limit))
	})
	app.Get("/notes/{id}", func(c *eddy.Ctx) error {
		u := user(c)
		if u == "" {
			return errLogin
		}
		var in getIn
		if err := bind.Bind(c, &in); err != nil {
			return err
		}
		n, ok := db.get(u, in.ID)
		if !ok {
			return eddy.ErrNotFound
		}
		return c.JSON(n)
	})
	return app
}
