// Command static serves a directory (aiohttp's add_static), with a download
// (FileResponse as an attachment):
//
//	GET /                      -> index.html of the directory
//	GET /style.css, /img/...   -> the files, with ETag and Last-Modified
//	GET /download/report.txt   -> files/report.txt as an attachment
//
// Without -dir it serves a small site embedded in the binary (a page with a
// stylesheet and an image), written to a temporary directory at start.
//
//	go run ./examples/static                     # listens on :8080
//	go run ./examples/static -dir ./public       # serves ./public at /
//	curl -i localhost:8080/                      # 200 with an ETag
//	curl -i -H 'If-None-Match: "..."' localhost:8080/   # 304
//	curl -OJ localhost:8080/download/report.txt  # saves report.txt
package main

import (
	"embed"
	"flag"
	"io/fs"
	"log"
	"os"
	"path/filepath"

	"github.com/eddy-go/eddy"
)

//go:embed site
var site embed.FS

func main() {
	addr := flag.String("addr", ":8080", "listen address")
	dir := flag.String("dir", "", "directory to serve at / (default: the embedded site)")
	flag.Parse()
	root := *dir
	if root == "" {
		tmp, err := os.MkdirTemp("", "eddy-static")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(tmp)
		if err := extract(tmp); err != nil {
			log.Fatal(err)
		}
		root = tmp
	}
	if err := newApp(eddy.Config{}, root).Run(*addr); err != nil {
		log.Fatal(err)
	}
}

// extract writes the embedded site into dir: App.Static serves a directory
// on disk (an os.Root), not an fs.FS.
func extract(dir string) error {
	sub, err := fs.Sub(site, "site")
	if err != nil {
		return err
	}
	return os.CopyFS(dir, sub)
}

// newApp serves dir at /; main runs it, the tests start it on 127.0.0.1:0.
func newApp(cfg eddy.Config, dir string) *eddy.App {
	app := eddy.New(cfg)
	// The download first: a static route wins over the catch-all below.
	// The path is the application's own, never built from the request.
	report := filepath.Join(dir, "files", "report.txt")
	app.Get("/download/report.txt", func(c *eddy.Ctx) error {
		return c.Attachment(report, "report.txt")
	})
	app.Static("/", dir, eddy.StaticOptions{
		Index: "index.html",
		// Browsers revalidate on every use: a reload is answered 304,
		// and a changed file is seen at once.
		CacheControl:  "no-cache",
		Precompressed: true,
	})
	return app
}
