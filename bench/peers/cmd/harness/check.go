package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/eddy-go/eddy/bench/peers/contract"
)

type response struct {
	status int
	header http.Header
	body   []byte
}

var client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DisableCompression: true}}

func httpDo(ctx context.Context, method, addr, path string, body []byte) (*response, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

func httpGet(ctx context.Context, addr, path string) (*response, error) {
	return httpDo(ctx, http.MethodGet, addr, path, nil)
}

// checkContract verifies that the server at addr keeps the benchmark contract, so every row
// of the report measures the same work. It returns one line per violation.
func checkContract(addr string) []string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var bad []string
	want := func(method, path string, body []byte, wantType string, wantBody []byte) {
		r, err := httpDo(ctx, method, addr, path, body)
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s %s: %v", method, path, err))
			return
		}
		switch {
		case r.status != 200:
			bad = append(bad, fmt.Sprintf("%s %s: status %d", method, path, r.status))
		case !bytes.Equal(r.body, wantBody):
			bad = append(bad, fmt.Sprintf("%s %s: body %.40q, want %.40q", method, path, r.body, wantBody))
		case r.header.Get("Server") == "":
			bad = append(bad, fmt.Sprintf("%s %s: no Server header", method, path))
		case r.header.Get("Date") == "":
			bad = append(bad, fmt.Sprintf("%s %s: no Date header", method, path))
		case wantType != "" && !strings.HasPrefix(r.header.Get("Content-Type"), wantType):
			bad = append(bad, fmt.Sprintf("%s %s: Content-Type %q, want %s", method, path, r.header.Get("Content-Type"), wantType))
		}
	}
	want("GET", "/plaintext", nil, "text/plain", []byte(contract.Plaintext))
	want("GET", "/json", nil, "application/json", []byte(contract.JSON))
	big := make([]byte, contract.MaxBody)
	rand.Read(big)
	want("POST", "/echo", big, "", big)
	return bad
}
