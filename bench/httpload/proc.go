package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A proc is a server process the tool started.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string        // its stdout and stderr
	addr string        // where it listens
	done chan struct{} // closed when it has ended; then err is its end
	err  error
}

// build compiles pkg (a package path, built in dir) into bin.
func build(ctx context.Context, dir, bin, pkg string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, out)
	}
	return nil
}

// goList runs `go list` with args in dir and returns its output, trimmed.
func goList(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"list"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("go list %s: %w: %s", strings.Join(args, " "), err, ee.Stderr)
		}
		return "", fmt.Errorf("go list %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// run runs a command to its end and returns its standard output.
func runCmd(ctx context.Context, bin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s %s: %w: %s", filepath.Base(bin), strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return strings.TrimSpace(string(out)), nil
}

// startProc starts bin with args, its output going to logPath, and waits
// until ready returns its address or the process ends. ready may wait for
// the first line of standard output that holds marker.
func startProc(ctx context.Context, name, logPath string, env []string, marker string, ready func(ctx context.Context, out *lineWatch) (addr string, err error), bin string, args ...string) (*proc, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	watch := &lineWatch{w: lf, marker: marker, found: make(chan string, 1)}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout = watch
	cmd.Stderr = lf
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		lf.Close()
		close(p.done)
	}()
	readyCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		var err error
		p.addr, err = ready(readyCtx, watch)
		errc <- err
	}()
	select {
	case err := <-errc:
		if err != nil {
			p.stop()
			return nil, fmt.Errorf("start %s: %w (its output: %s)", name, err, tail(logPath))
		}
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("start %s: it ended: %v (its output: %s)", name, p.err, tail(logPath))
	}
}

// stop sends SIGTERM and waits for the end, killing the process after
// half a minute.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// cpu returns the CPU time (user and system) the process has used so far,
// from /proc, or 0 where there is none.
func (p *proc) cpu() time.Duration {
	return procCPU(p.cmd.Process.Pid)
}

// procCPU reads utime and stime of pid from /proc/pid/stat, in clock ticks
// of 10 ms (USER_HZ is 100 on every Linux the Go runtime supports).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: fields count
	// from after its closing parenthesis (field 3 is the state).
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	st, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// selfCPU is the CPU time this process (the load generator) has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// A lineWatch copies a process's standard output to w and sends the first
// line that holds the marker it waits for (set before the process starts
// writing it).
type lineWatch struct {
	w      io.Writer
	buf    []byte
	marker string
	found  chan string
	sent   bool
}

func (l *lineWatch) Write(p []byte) (int, error) {
	if !l.sent {
		l.buf = append(l.buf, p...)
		sc := bufio.NewScanner(bytes.NewReader(l.buf))
		for sc.Scan() {
			if l.marker != "" && strings.Contains(sc.Text(), l.marker) {
				l.found <- sc.Text()
				l.sent, l.buf = true, nil
				break
			}
		}
	}
	return l.w.Write(p)
}

// listening waits for `liaison serve`'s line "liaison listening on
// http://ADDR ..." and returns ADDR.
func listening(ctx context.Context, l *lineWatch) (string, error) {
	select {
	case line := <-l.found:
		_, after, _ := strings.Cut(line, "http://")
		addr, _, _ := strings.Cut(after, " ")
		return addr, nil
	case <-ctx.Done():
		return "", fmt.Errorf("no %q line: %w", l.marker, ctx.Err())
	}
}

// poll waits until GET u answers 200.
func poll(ctx context.Context, u string) error {
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("GET %s: not ready: %w", u, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// freeAddr returns a loopback address with a port free at the moment.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// tail returns the end of the file at path, for error messages.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 1500 {
		b = b[len(b)-1500:]
	}
	return strings.TrimSpace(string(b))
}

// machineCPU returns the CPU time every process on the machine has used
// (user, nice, system, interrupts and steal: all but idle and I/O wait),
// from /proc/stat, or 0 where there is none.
func machineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for i, v := range f[1:9] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// switches are context switches of a process's threads: voluntary (a
// thread blocked: waiting for the network, a futex, a sleep) and
// involuntary (the kernel took the CPU from a thread that could run on:
// time-slicing, when more threads want to run than there are CPUs).
type switches struct{ voluntary, involuntary int64 }

func (s switches) minus(o switches) switches {
	return switches{s.voluntary - o.voluntary, s.involuntary - o.involuntary}
}

// procSwitches sums the context switches of every thread of pid (pid
// "self": this process) from /proc/PID/task/*/status. A thread that ended
// meanwhile takes its count with it; Go's threads live as long as the
// process.
func procSwitches(pid string) switches {
	var s switches
	dir := "/proc/" + pid + "/task"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return s
	}
	for _, t := range tasks {
		b, err := os.ReadFile(filepath.Join(dir, t.Name(), "status"))
		if err != nil {
			continue
		}
		for line := range strings.Lines(string(b)) {
			name, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			switch {
			case err != nil:
			case name == "voluntary_ctxt_switches":
				s.voluntary += n
			case name == "nonvoluntary_ctxt_switches":
				s.involuntary += n
			}
		}
	}
	return s
}

// switches returns the context switches of the process's threads so far.
func (p *proc) switches() switches {
	return procSwitches(strconv.Itoa(p.cmd.Process.Pid))
}
