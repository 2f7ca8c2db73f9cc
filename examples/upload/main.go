// Command upload receives multipart uploads streamed to disk: the handler
// reads the body part by part while it arrives (eddy.StreamBody,
// c.MultipartReader), so a file of any size up to -max costs a buffer, not
// its size in memory. The page shows the upload's progress (the browser's
// upload events); the server logs each file's progress as it is written.
//
//	go run ./examples/upload -dir /tmp/uploads   # listens on :8080
//	curl -F file=@big.iso localhost:8080/upload  # {"files":[{"name":"big.iso","bytes":...}]}
package main

import (
	_ "embed"
	"errors"
	"flag"
	"io"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/eddy-go/eddy"
)

//go:embed index.html
var page string

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	dir := flag.String("dir", "uploads", "directory the files are written to")
	max := flag.Int64("max", 1<<30, "largest upload accepted, in bytes")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := newApp(eddy.Config{}, *dir, *max).Run(*addr); err != nil {
		log.Fatal(err)
	}
}

// saved is one file written.
type saved struct {
	Name  string `json:"name"`
	Bytes int64  `json:"bytes"`
}

// newApp writes uploads into dir; main runs it, the tests start it on
// 127.0.0.1:0.
func newApp(cfg eddy.Config, dir string, max int64) *eddy.App {
	app := eddy.New(cfg)
	app.Get("/", func(c *eddy.Ctx) error { return c.HTML(page) })
	// StreamBody: the handler runs in the pool as soon as the head is
	// here and reads the body as it comes; MaxBody bounds it (413 past it).
	app.Post("/upload", func(c *eddy.Ctx) error {
		mr, err := c.MultipartReader()
		if err != nil {
			return err
		}
		var files []saved
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return badUpload(err)
			}
			if part.FileName() == "" {
				continue // a plain field: not a file
			}
			s, err := save(c, dir, part.FileName(), part)
			if err != nil {
				return badUpload(err)
			}
			files = append(files, s)
		}
		return c.JSON(map[string][]saved{"files": files})
	}, eddy.StreamBody, eddy.MaxBody(max))
	return app
}

// badUpload answers a body that broke off (the server already answered
// then) or is not valid multipart.
func badUpload(err error) error {
	if errors.Is(err, eddy.ErrBodyIncomplete) {
		return err
	}
	return eddy.ErrBadRequest.WithMessage("malformed upload").Wrap(err)
}

// save writes one part to dir under its base name (never a path from the
// client), logging its progress every 16 MiB.
func save(c *eddy.Ctx, dir, name string, r io.Reader) (saved, error) {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" || strings.HasPrefix(name, ".") {
		name = "upload"
	}
	f, err := os.CreateTemp(dir, name+".*.part")
	if err != nil {
		return saved{}, err
	}
	n, err := io.Copy(f, &progress{r: r, log: c.App().Logger(), name: name})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return saved{}, err
	}
	final := filepath.Join(dir, name)
	if err := os.Rename(f.Name(), final); err != nil {
		os.Remove(f.Name())
		return saved{}, err
	}
	return saved{Name: name, Bytes: n}, nil
}

// progress logs how much of a file has been read, every 16 MiB.
type progress struct {
	r    io.Reader
	log  *slog.Logger
	name string
	n    int64
}

func (p *progress) Read(b []byte) (int, error) {
	k, err := p.r.Read(b)
	before := p.n
	p.n += int64(k)
	if p.n>>24 != before>>24 {
		p.log.Info("upload: receiving", "file", p.name, "MiB", p.n>>20)
	}
	return k, err
}
