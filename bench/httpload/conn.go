package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// The load's HTTP/1.1 client. It is the same for every target, and lean so
// that the load generator, which runs on the same CPUs as the servers,
// takes as little of them as it can: a request is bytes framed once per
// send from a head made once per level (no http.Request, no header map);
// an answer is read with a small reader that parses the status line and
// the two headers that say where the body ends (Content-Length, or
// Transfer-Encoding: chunked) and Connection, and skips the body without
// decoding it. It checks every answer's status, and that the answer is
// whole HTTP/1.1; it does not check the body's content (the answers are
// compared between the servers before the load, see agree).

// An endpoint is where a workload's requests go, with the head of each
// request up to its Content-Length value.
type endpoint struct {
	addr string // host:port, to dial
	head []byte // "POST /path HTTP/1.1\r\nHost: …\r\n…Content-Length: "
}

// newEndpoint returns the endpoint of POSTs to u (an http:// URL) with
// the bearer token, if any, and a JSON body.
func newEndpoint(u, token string) (endpoint, error) {
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "http" || p.Host == "" {
		return endpoint{}, fmt.Errorf("endpoint %q: want an http:// URL", u)
	}
	var h bytes.Buffer
	fmt.Fprintf(&h, "POST %s HTTP/1.1\r\nHost: %s\r\n", p.RequestURI(), p.Host)
	if token != "" {
		fmt.Fprintf(&h, "Authorization: Bearer %s\r\n", token)
	}
	h.WriteString("Content-Type: application/json\r\nContent-Length: ")
	return endpoint{addr: p.Host, head: h.Bytes()}, nil
}

// frame appends to buf the whole request of body to e.
func (e endpoint) frame(buf, body []byte) []byte {
	buf = append(buf, e.head...)
	buf = strconv.AppendInt(buf, int64(len(body)), 10)
	buf = append(buf, "\r\n\r\n"...)
	return append(buf, body...)
}

// A conn is one client's keep-alive connection to one endpoint. After an
// error, or an answer that says Connection: close, it dials again on its
// next request.
type conn struct {
	e        endpoint
	deadline time.Time // of every read and write; zero: none
	nc       net.Conn
	r        *bufio.Reader
}

// do sends req, a request e.frame made, and reads the whole answer, whose
// status must be want.
func (c *conn) do(req []byte, want int) error {
	if c.nc == nil {
		nc, err := net.Dial("tcp", c.e.addr)
		if err != nil {
			return err
		}
		if !c.deadline.IsZero() {
			nc.SetDeadline(c.deadline)
		}
		c.nc = nc
		if c.r == nil {
			c.r = bufio.NewReaderSize(nc, 16<<10)
		} else {
			c.r.Reset(nc)
		}
	}
	if _, err := c.nc.Write(req); err != nil {
		c.close()
		return err
	}
	status, keep, msg, err := readAnswer(c.r, want)
	if err != nil {
		c.close()
		return err
	}
	if !keep {
		c.close()
	}
	if status != want {
		return fmt.Errorf("%d: %s", status, bytes.TrimSpace(msg))
	}
	return nil
}

// close closes the connection, if open.
func (c *conn) close() {
	if c.nc != nil {
		c.nc.Close()
		c.nc = nil
	}
}

// errAnswer is an answer that is not HTTP/1.1 as this client reads it.
var errAnswer = errors.New("malformed HTTP/1.1 answer")

// readAnswer reads one answer from r: its status, whether the connection
// stays open, and, when the status is not want, the start of its body.
func readAnswer(r *bufio.Reader, want int) (status int, keep bool, msg []byte, err error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return 0, false, nil, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return 0, false, nil, fmt.Errorf("%w: status line %q", errAnswer, line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, nil, fmt.Errorf("%w: status line %q", errAnswer, line)
	}
	keep = line[7] == '1' // HTTP/1.0 closes unless told otherwise; never sent here
	length, chunked := int64(-1), false
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return 0, false, nil, fmt.Errorf("%w: headers: %v", errAnswer, err)
		}
		if len(line) <= 2 { // "\r\n": the end of the headers
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, false, nil, fmt.Errorf("%w: header %q", errAnswer, line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.ParseInt(string(value), 10, 64); err != nil || length < 0 {
				return 0, false, nil, fmt.Errorf("%w: header %q", errAnswer, line)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			keep = !bytes.EqualFold(value, []byte("close"))
		}
	}
	// Keep the start of the body when the status is not the one wanted.
	var kept *bytes.Buffer
	if status != want {
		kept = new(bytes.Buffer)
	}
	switch {
	case chunked:
		err = skipChunked(r, kept)
	case length >= 0:
		err = skip(r, length, kept)
	default:
		return status, false, nil, fmt.Errorf("%w: status %d without Content-Length or chunked body", errAnswer, status)
	}
	if err != nil {
		return 0, false, nil, fmt.Errorf("%w: body: %v", errAnswer, err)
	}
	if kept != nil {
		msg = kept.Bytes()
	}
	return status, keep, msg, nil
}

// skip reads n bytes of body from r, keeping the first 512 in kept if it
// is not nil.
func skip(r *bufio.Reader, n int64, kept *bytes.Buffer) error {
	if kept != nil {
		k := min(n, int64(512-kept.Len()))
		if k > 0 {
			if _, err := io.CopyN(kept, r, k); err != nil {
				return err
			}
			n -= k
		}
	}
	for n > 0 {
		d, err := r.Discard(int(min(n, 1<<30)))
		n -= int64(d)
		if err != nil {
			return err
		}
	}
	return nil
}

// skipChunked reads a chunked body from r (RFC 9112, section 7.1), and
// its trailer.
func skipChunked(r *bufio.Reader, kept *bytes.Buffer) error {
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimSpace(line), []byte(";"))
		n, err := strconv.ParseInt(string(size), 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("chunk size %q", line)
		}
		if n == 0 {
			break
		}
		if err := skip(r, n, kept); err != nil {
			return err
		}
		if crlf, err := r.ReadSlice('\n'); err != nil || len(crlf) > 2 {
			return fmt.Errorf("no CRLF after a chunk: %q", crlf)
		}
	}
	for { // the trailer, up to an empty line
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			return nil
		}
	}
}
