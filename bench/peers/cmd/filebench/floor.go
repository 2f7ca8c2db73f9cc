package main

import (
	_ "embed"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// The floor servers: the least a server can do per request to send a file
// (read the request, write the same head eddy writes, sendfile the file),
// so that a goal below the floor shows as such. "floor" is a C program
// (built with cc; skipped without one): one thread, one epoll instance.
// "floor-more" is the same sending the head with MSG_MORE, so that it
// leaves in the file's first segment. "floor-go" is the same loop in Go
// (this binary, -serve-floor), on one locked thread with GOMAXPROCS=1 and a
// blocking epoll_wait as gnet's loop makes: what it costs beyond "floor"
// is the Go runtime's, not the server's.

//go:embed floor/floor.c
var floorC []byte

// floorCommand builds the C floor into work and returns its command.
func floorCommand(name, work, dir string) ([]string, error) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		return nil, fmt.Errorf("no C compiler (cc) for the floor server: %w", err)
	}
	src := filepath.Join(work, "floor.c")
	bin := filepath.Join(work, "floor")
	if _, err := os.Stat(bin); err != nil {
		if err := os.WriteFile(src, floorC, 0o644); err != nil {
			return nil, err
		}
		argv := []string{cc, "-O2", "-o", bin, src}
		if nice, err := exec.LookPath("nice"); err == nil {
			argv = append([]string{nice, "-n", "19"}, argv...)
		}
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("cc floor.c: %v\n%s", err, out)
		}
	}
	argv := []string{bin, "{{addr}}", dir}
	if name == "floor-more" {
		argv = append(argv, "more")
	}
	return argv, nil
}

// serveFloor is floor.c in Go: one goroutine locked to its thread, raw
// epoll (level-triggered, blocking wait), non-blocking sockets. It serves
// until the process is killed, and returns only an error.
func serveFloor(addr, dir string) error {
	runtime.LockOSThread()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return err
	}
	ip := net.ParseIP(host).To4()
	if ip == nil {
		return errors.New("floor-go: an IPv4 address is needed")
	}
	ls, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	_ = unix.SetsockoptInt(ls, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	sa := &unix.SockaddrInet4{Port: p}
	copy(sa.Addr[:], ip)
	if err := unix.Bind(ls, sa); err != nil {
		return err
	}
	if err := unix.Listen(ls, 1024); err != nil {
		return err
	}
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	if err := unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, ls, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(ls)}); err != nil {
		return err
	}
	type file struct {
		fd   int
		size int64
		head []byte
	}
	type conn struct {
		f         *file
		off, left int64
		out       bool
	}
	date := time.Now().UTC().Format(time.RFC1123)
	date = strings.Replace(date, "UTC", "GMT", 1)
	files := map[string]*file{}
	conns := map[int]*conn{}
	lookup := func(name string) *file {
		if f := files[name]; f != nil {
			return f
		}
		if strings.Contains(name, "/") || len(files) >= 16 {
			return nil
		}
		fd, err := unix.Open(filepath.Join(dir, name), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil
		}
		var st unix.Stat_t
		if unix.Fstat(fd, &st) != nil {
			unix.Close(fd)
			return nil
		}
		f := &file{fd: fd, size: st.Size}
		f.head = fmt.Appendf(nil, "HTTP/1.1 200 OK\r\nServer: eddy\r\nDate: %s\r\nContent-Type: application/octet-stream\r\n"+
			"ETag: \"dndjyl8904w4-mh34\"\r\nLast-Modified: %s\r\nAccept-Ranges: bytes\r\nContent-Length: %d\r\n\r\n", date, date, st.Size)
		files[name] = f
		return f
	}
	watch := func(fd int, c *conn, out bool) {
		if c.out == out {
			return
		}
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
		if out {
			ev.Events = unix.EPOLLOUT
		}
		_ = unix.EpollCtl(ep, unix.EPOLL_CTL_MOD, fd, &ev)
		c.out = out
	}
	sendRest := func(fd int, c *conn) error {
		for c.left > 0 {
			k, err := unix.Sendfile(fd, c.f.fd, &c.off, int(c.left))
			switch {
			case err == unix.EINTR:
				continue
			case err == unix.EAGAIN:
				watch(fd, c, true)
				return nil
			case err != nil:
				return err
			case k == 0:
				return errors.New("short file")
			}
			c.left -= int64(k)
		}
		c.f = nil
		watch(fd, c, false)
		return nil
	}
	buf := make([]byte, 4096)
	onRead := func(fd int, c *conn) error {
		n, err := unix.Read(fd, buf)
		if err == unix.EAGAIN || err == unix.EINTR {
			return nil
		}
		if err != nil || n <= 0 {
			return errors.New("closed")
		}
		req := buf[:n]
		const prefix = "GET /files/"
		if !strings.HasPrefix(string(req), prefix) {
			return errors.New("bad request")
		}
		rest := req[len(prefix):]
		sp := strings.IndexByte(string(rest), ' ')
		if sp < 0 {
			return errors.New("bad request")
		}
		f := lookup(string(rest[:sp]))
		if f == nil {
			return errors.New("no such file")
		}
		if k, err := unix.Write(fd, f.head); err != nil || k != len(f.head) {
			return errors.New("head not written")
		}
		c.f, c.off, c.left = f, 0, f.size
		return sendRest(fd, c)
	}
	evs := make([]unix.EpollEvent, 256)
	for {
		n, err := unix.EpollWait(ep, evs, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		for _, ev := range evs[:n] {
			fd := int(ev.Fd)
			if fd == ls {
				for {
					cs, _, err := unix.Accept4(ls, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
					if err != nil {
						break
					}
					_ = unix.SetsockoptInt(cs, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
					conns[cs] = &conn{}
					_ = unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, cs, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(cs)})
				}
				continue
			}
			c := conns[fd]
			if c == nil {
				continue
			}
			var err error
			if c.f != nil {
				err = sendRest(fd, c)
			} else {
				err = onRead(fd, c)
			}
			if err != nil {
				_ = unix.EpollCtl(ep, unix.EPOLL_CTL_DEL, fd, nil)
				unix.Close(fd)
				delete(conns, fd)
			}
		}
	}
}
