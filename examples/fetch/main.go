// Command fetch is the aiohttp tutorial's client script: it fetches several URLs
// concurrently with one client.Session and prints what came back, with the time
// it all took. The requests share the session's loop and pool; none of them holds
// a thread while it waits.
//
//	go run ./examples/fetch https://example.com http://127.0.0.1:8080/
//	go run ./examples/fetch -httpbin http://127.0.0.1:8080 -n 5   # a local go-httpbin
//
// With -httpbin it fetches /get once and /delay/<d> n times from that httpbin:
// concurrently, the whole takes about one delay, where one after another it
// would take n delays.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/eddy-go/eddy/client"
)

func main() {
	httpbin := flag.String("httpbin", "", "base URL of an httpbin (go-httpbin) to fetch /get and /delay/<d> from")
	n := flag.Int("n", 5, "with -httpbin: how many /delay URLs")
	delay := flag.Int("delay", 1, "with -httpbin: the delay of each, in seconds")
	flag.Parse()
	urls := flag.Args()
	if *httpbin != "" {
		urls = append(urls, httpbinURLs(*httpbin, *n, *delay)...)
	}
	if len(urls) == 0 {
		fmt.Fprintln(os.Stderr, "usage: fetch [-httpbin URL [-n N] [-delay S]] [URL ...]")
		os.Exit(2)
	}
	sess, err := client.New(client.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer sess.Close(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	results := fetchAll(ctx, sess, urls)
	for _, r := range results {
		fmt.Fprintln(os.Stdout, r)
	}
	fmt.Printf("fetched %d URLs in %.2fs\n", len(urls), time.Since(start).Seconds())
}

// httpbinURLs is the tutorial's list: /get once, /delay/<delay> n times.
func httpbinURLs(base string, n, delay int) []string {
	base = strings.TrimSuffix(base, "/")
	urls := []string{base + "/get"}
	for range n {
		urls = append(urls, fmt.Sprintf("%s/delay/%d", base, delay))
	}
	return urls
}

// fetchAll fetches every URL at once (asyncio.gather) and returns one line per
// URL, in order.
func fetchAll(ctx context.Context, sess *client.Session, urls []string) []string {
	out := make([]string, len(urls))
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = fetch(ctx, sess, u)
		}()
	}
	wg.Wait()
	return out
}

// fetch returns "URL: status, size, first line of the body".
func fetch(ctx context.Context, sess *client.Session, url string) string {
	start := time.Now()
	resp, err := sess.Get(ctx, url)
	if err != nil {
		return fmt.Sprintf("%s: %v", url, err)
	}
	defer resp.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Sprintf("%s: %s, %v", url, resp.Status, err)
	}
	first, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
	return fmt.Sprintf("%s: %s, %d bytes in %.2fs: %.60s", url, resp.Status, len(body), time.Since(start).Seconds(), first)
}
