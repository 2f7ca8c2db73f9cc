// Command nethttp serves the benchmark contract (see package contract) with net/http.
//
//	nethttp -addr 127.0.0.1:8080
//
// With -files DIR it also serves DIR at /files/ with http.FileServer, for
// cmd/filebench.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log"
	"net/http"

	"github.com/eddy-go/eddy/bench/peers/contract"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	files := flag.String("files", "", "directory to serve at /files/ (none by default)")
	flag.Parse()
	h := newHandler()
	if *files != "" {
		h.Handle("GET /files/", http.StripPrefix("/files/", http.FileServer(http.Dir(*files))))
	}
	log.Fatal(http.ListenAndServe(*addr, h))
}

// Header values are preallocated slices so setting them allocates nothing per request.
var (
	serverName = []string{"nethttp"}
	textPlain  = []string{"text/plain; charset=utf-8"}
	appJSON    = []string{"application/json"}
	octets     = []string{"application/octet-stream"}
	plaintext  = []byte(contract.Plaintext)
)

func newHandler() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /plaintext", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Server"] = serverName
		h["Content-Type"] = textPlain
		w.Write(plaintext)
	})
	mux.HandleFunc("GET /json", func(w http.ResponseWriter, r *http.Request) {
		body, err := json.Marshal(contract.Hello())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h["Server"] = serverName
		h["Content-Type"] = appJSON
		w.Write(body)
	})
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Server"] = serverName
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, contract.MaxBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "bad request body", http.StatusBadRequest)
			return
		}
		h["Content-Type"] = octets
		w.Write(body)
	})
	return mux
}
