// Command nethttpfloor is net/http with (almost) nothing behind it, for
// httpload's floor targets: what a Go server on net/http costs per request
// before any work of its own, measured with the same client, in the same
// run, as liaison and OPA. It listens on -addr, prints "nethttpfloor
// listening on http://ADDR" and serves every path with one of two
// handlers:
//
//   - empty: returns at once, without reading the body (net/http answers
//     200 with an empty body, and discards the body itself);
//   - fixed: reads the body whole, then answers a fixed body of
//     -answer-bytes bytes with the headers liaison's answers carry
//     (Content-Type, Cache-Control, X-Content-Type-Options and
//     Content-Length), in one write.
//
// It runs with `liaison serve`'s HTTP timeouts, so that their per-request
// cost (a read and a write deadline) is in the floor too; -timeouts=false
// leaves out the read and write timeouts, to measure that cost.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "nethttpfloor:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("nethttpfloor", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	mode := fs.String("mode", "fixed", "handler: empty or fixed")
	size := fs.Int("answer-bytes", 4096, "length of the fixed answer")
	timeouts := fs.Bool("timeouts", true, "liaison serve's read, write and idle timeouts (false: ReadHeaderTimeout and IdleTimeout only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var h http.Handler
	switch *mode {
	case "empty":
		h = http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	case "fixed":
		h = fixed(*size)
	default:
		return fmt.Errorf("-mode %q: want empty or fixed", *mode)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Printf("nethttpfloor listening on http://%s (%s)\n", ln.Addr(), *mode)
	// liaison serve's timeouts (cmd/liaison/serve.go).
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	if *timeouts {
		srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 60*time.Second
	}
	return srv.Serve(ln)
}

// fixed returns the handler that reads the body and answers size bytes of
// JSON (a string of x's), ending in a newline.
func fixed(size int) http.Handler {
	answer := make([]byte, max(size, 4))
	answer[0] = '"'
	for i := 1; i < len(answer)-2; i++ {
		answer[i] = 'x'
	}
	answer[len(answer)-2], answer[len(answer)-1] = '"', '\n'
	length := strconv.Itoa(len(answer))
	var bodies sync.Pool
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf, _ := bodies.Get().(*bytes.Buffer)
		if buf == nil {
			buf = new(bytes.Buffer)
		}
		if _, err := buf.ReadFrom(r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		buf.Reset()
		bodies.Put(buf)
		h := w.Header()
		h["Content-Type"] = []string{"application/json"}
		h["Cache-Control"] = []string{"no-store"}
		h["X-Content-Type-Options"] = []string{"nosniff"}
		h["Content-Length"] = []string{length}
		w.WriteHeader(http.StatusOK)
		w.Write(answer)
	})
}
