package loop

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// tempFile writes data to a file in t's temporary directory and opens it.
func tempFile(t *testing.T, data []byte) *os.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// isClosed reports whether f was closed.
func isClosed(f *os.File) bool {
	_, err := f.Stat()
	return errors.Is(err, os.ErrClosed)
}

// SendFile keeps its place between the bytes written before and after it, also when
// the socket takes only part of the file (a small SO_SNDBUF, a reader that reads
// slowly) and later writes and a second file queue behind it; Close flushes the
// pending files before it closes; the files are closed once sent; the bytes went
// through sendfile (LoopStats.FileBytes).
func TestSendFileOrder(t *testing.T) {
	data := pattern(4<<20, 7)
	cases := []struct {
		name      string
		smallSend bool // a 4 KiB SO_SNDBUF: the file cannot go at once
		close     bool // Close right after the writes
	}{
		{"fast", false, false},
		{"partial", true, false},
		{"partial then close", true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f1, f2 := tempFile(t, data), tempFile(t, data)
			pre, mid, post := []byte("pre:"), []byte(":mid:"), []byte(":post")
			pending := make(chan int, 1)
			sendErr := make(chan error, 1)
			r := newRecorder(func(c *Conn, d []byte) int {
				if tc.smallSend {
					_ = syscall.SetsockoptInt(c.fd(), syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4096)
				}
				err := errors.Join(
					c.Write(pre),
					c.SendFile(f1, 100, 3<<20),
					c.Writev([][]byte{mid}),
					c.SendFile(f2, 0, int64(len(data))),
					c.Write(post))
				pending <- c.OutboundBuffered()
				if tc.close {
					err = errors.Join(err, c.Close())
				}
				sendErr <- err
				return len(d)
			})
			s := startServer(t, Config{Loops: 1}, func() Protocol { return r })
			cl := dial(t, s).(*net.TCPConn)
			_ = cl.SetReadBuffer(32 << 10)
			if _, err := cl.Write([]byte("go")); err != nil {
				t.Fatal(err)
			}
			if err := recv(t, sendErr, "the writes"); err != nil {
				t.Fatal(err)
			}
			if p := recv(t, pending, "the queue size"); tc.smallSend && p == 0 {
				t.Fatal("nothing was queued: the partial path was not exercised")
			}
			want := append(append(append(append(append([]byte(nil), pre...), data[100:100+3<<20]...), mid...), data...), post...)
			got := make([]byte, 0, len(want))
			buf := make([]byte, 8<<10)
			for len(got) < len(want) {
				n, err := cl.Read(buf) // small reads: a slow reader
				got = append(got, buf[:n]...)
				if err != nil {
					t.Fatalf("read %d of %d bytes: %v", len(got), len(want), err)
				}
			}
			if !bytes.Equal(got, want) {
				t.Fatal("bytes out of order or corrupted")
			}
			if tc.close {
				if n, err := cl.Read(buf); n != 0 || err != io.EOF {
					t.Fatalf("after the flush: %d bytes, %v; want EOF", n, err)
				}
				if err := recv(t, r.lost, "ConnectionLost"); err != nil {
					t.Fatalf("ConnectionLost: %v", err)
				}
			}
			waitFor(t, 5*time.Second, "both files closed", func() bool {
				var done bool
				onLoop(t, s.Loops()[0], func() { done = isClosed(f1) && isClosed(f2) })
				return done
			})
			if fb := s.Loops()[0].Stats().FileBytes; fb != 3<<20+int64(len(data)) {
				t.Fatalf("FileBytes = %d, want %d", fb, 3<<20+len(data))
			}
		})
	}
}

// A file SendFile cannot send closes the connection with the error: a bad descriptor
// at once (SendFile returns it), a file shorter than promised with ErrShortFile (its
// tail is not in the page cache, so the executor reads it first and the sendfile that
// follows finds the end: ConnectionLost gets it); an
// Abort drops a pending file and closes it; after Close, SendFile refuses and closes f.
func TestSendFileErrors(t *testing.T) {
	data := pattern(2<<20, 3)
	cases := []struct {
		name    string
		send    func(c *Conn, f *os.File) error
		ret     error // SendFile's result (nil: none expected)
		lost    error // ConnectionLost's error
		lostAny bool  // any non-nil error
	}{
		{"bad fd", func(c *Conn, f *os.File) error {
			f.Close()
			return c.SendFile(f, 0, 10)
		}, syscall.EBADF, nil, true},
		{"short file", func(c *Conn, f *os.File) error {
			return c.SendFile(f, int64(len(data))-10, 20)
		}, nil, ErrShortFile, false},
		{"negative length", func(c *Conn, f *os.File) error {
			err := c.SendFile(f, 0, -1)
			c.Abort()
			return err
		}, errNegativeLength, nil, false},
		{"abort pending", func(c *Conn, f *os.File) error {
			_ = syscall.SetsockoptInt(c.fd(), syscall.SOL_SOCKET, syscall.SO_SNDBUF, 4096)
			if err := c.SendFile(f, 0, int64(len(data))); err != nil {
				return err
			}
			if c.OutboundBuffered() == 0 {
				return errors.New("nothing pending")
			}
			c.Abort()
			return nil
		}, nil, nil, false},
		{"after close", func(c *Conn, f *os.File) error {
			_ = c.Close()
			return c.SendFile(f, 0, 10)
		}, ErrClosed, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := tempFile(t, data)
			ret := make(chan error, 1)
			r := newRecorder(func(c *Conn, d []byte) int {
				ret <- tc.send(c, f)
				return len(d)
			})
			s := startServer(t, Config{Loops: 1}, func() Protocol { return r })
			cl := dial(t, s).(*net.TCPConn)
			_ = cl.SetReadBuffer(16 << 10)
			if _, err := cl.Write([]byte("go")); err != nil {
				t.Fatal(err)
			}
			if err := recv(t, ret, "SendFile"); !errors.Is(err, tc.ret) || (tc.ret == nil) != (err == nil) {
				t.Fatalf("SendFile: %v, want %v", err, tc.ret)
			}
			lost := recv(t, r.lost, "ConnectionLost")
			if tc.lostAny && lost == nil || !tc.lostAny && !errors.Is(lost, tc.lost) || !tc.lostAny && tc.lost == nil && lost != nil {
				t.Fatalf("ConnectionLost: %v, want %v", lost, tc.lost)
			}
			var closed bool
			onLoop(t, s.Loops()[0], func() { closed = isClosed(f) })
			if !closed {
				t.Fatal("the file was not closed")
			}
		})
	}
}

// sendSome sends at most its budget of a segment per call, however much the output
// takes, so that a fast reader of a large file cannot hold the loop for all of it;
// the segment keeps its offset for the next turn, and the bytes are exact.
func TestSendfileBudget(t *testing.T) {
	data := make([]byte, 3*sendfileBudget+123)
	for i := range data {
		data[i] = byte(i * 7)
	}
	in := tempFile(t, data)
	out, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	// A regular file takes any amount at once: only the budget stops a call.
	seg := fileSeg{f: in, fd: int(in.Fd()), n: int64(len(data))}
	var calls int
	for seg.n > 0 {
		sent, err := sendSome(int(out.Fd()), &seg, sendfileBudget)
		if err != nil {
			t.Fatal(err)
		}
		if sent == 0 || sent > sendfileBudget {
			t.Fatalf("call %d sent %d bytes, want 1..%d", calls, sent, sendfileBudget)
		}
		calls++
	}
	if calls != 4 {
		t.Errorf("%d calls for %d bytes, want 4", calls, len(data))
	}
	got, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Errorf("the output differs from the file (%d bytes, want %d)", len(got), len(data))
	}
}

// coldFile writes data to a file and drops its pages from the page cache (fsync, then
// posix_fadvise DONTNEED), so that reading it reads the disk. It skips the test on a
// file system that keeps every page in memory (tmpfs), where no file can be cold.
func coldFile(t *testing.T, data []byte) *os.File {
	t.Helper()
	f := tempFile(t, data)
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &sfs); err != nil {
		t.Fatal(err)
	}
	// Compared as uint32: Statfs_t.Type is an int32 on 32-bit Linux, where
	// RAMFS_MAGIC (0x858458f6) overflows it.
	if fs := uint32(sfs.Type); fs == unix.TMPFS_MAGIC || fs == unix.RAMFS_MAGIC {
		t.Skipf("%s is on a file system without a disk behind it: its pages cannot be dropped", f.Name())
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	var cs unix.Cachestat_t
	if err := unix.Cachestat(uint(f.Fd()), &unix.CachestatRange{Len: uint64(len(data))}, &cs, 0); err != nil {
		t.Fatal(err)
	}
	if cs.Cache != 0 {
		t.Fatalf("%d pages still in the page cache after fsync and POSIX_FADV_DONTNEED", cs.Cache)
	}
	return f
}

// A file whose pages are not in the page cache is never read by the loop's sendfile:
// each piece is read into the page cache in the executor first (LoopStats.FileWarms
// counts them), and the peer gets every byte, in order, behind and before the bytes
// written around it. The same holds without cachestat (mincore answers alone), and a
// hot file is sent from the loop without a trip to the executor either way; an Abort
// while a piece is being read closes the file once the read ends.
func TestSendFileCold(t *testing.T) {
	data := pattern(5<<20+321, 11)
	cases := []struct {
		name               string
		cold               bool // the file's pages were dropped
		noCachestat        bool // as on a kernel before 6.5
		abort              bool // Abort right after SendFile
		minWarms, maxWarms int64
	}{
		{"cold", true, false, false, 1, 3}, // 5 MiB: three pieces of 2 MiB at most
		{"hot", false, false, false, 0, 0},
		{"cold without cachestat", true, true, false, 1, 3},
		{"hot without cachestat", false, true, false, 0, 0},
		{"cold abort", true, false, true, 1, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var f *os.File
			if tc.cold {
				f = coldFile(t, data)
			} else {
				f = tempFile(t, data)
			}
			if tc.noCachestat {
				noCachestat.Store(true)
				t.Cleanup(func() { noCachestat.Store(false) })
			}
			pre, post := []byte("pre:"), []byte(":post")
			sendErr := make(chan error, 1)
			r := newRecorder(func(c *Conn, d []byte) int {
				err := errors.Join(c.Write(pre), c.SendFile(f, 0, int64(len(data))), c.Write(post))
				if tc.abort {
					c.Abort()
				}
				sendErr <- err
				return len(d)
			})
			s := startServer(t, Config{Loops: 1}, func() Protocol { return r })
			cl := dial(t, s)
			if _, err := cl.Write([]byte("go")); err != nil {
				t.Fatal(err)
			}
			if err := recv(t, sendErr, "the writes"); err != nil {
				t.Fatal(err)
			}
			if tc.abort {
				recv(t, r.lost, "ConnectionLost")
			} else {
				want := append(append(append([]byte(nil), pre...), data...), post...)
				_ = cl.SetReadDeadline(time.Now().Add(10 * time.Second))
				got, err := io.ReadAll(io.LimitReader(cl, int64(len(want))))
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("read %d of %d bytes (%v), equal %v", len(got), len(want), err, bytes.Equal(got, want))
				}
			}
			waitFor(t, 5*time.Second, "the file closed", func() bool {
				var done bool
				onLoop(t, s.Loops()[0], func() { done = isClosed(f) })
				return done
			})
			st := s.Loops()[0].Stats()
			if st.FileWarms < tc.minWarms || st.FileWarms > tc.maxWarms {
				t.Fatalf("FileWarms = %d, want %d to %d (fewer: the loop sent pieces not in the page cache; more: hot ones went to the executor)",
					st.FileWarms, tc.minWarms, tc.maxWarms)
			}
			t.Logf("%d pieces warmed in the executor, %d bytes by sendfile", st.FileWarms, st.FileBytes)
		})
	}
}

// resident (cachestat, then mincore) and mincore alone tell a cached range from a
// dropped one, and count pages right at both ends of a range that is not page aligned.
func TestResident(t *testing.T) {
	data := pattern(1<<20, 5)
	f := coldFile(t, data)
	fd := int(f.Fd())
	buf := make([]byte, 3*pageSize)
	if _, err := f.ReadAt(buf, 4*pageSize); err != nil { // pages 4..6 (readahead may add more)
		t.Fatal(err)
	}
	cases := []struct {
		off, n int64
		want   bool
	}{
		{4 * pageSize, 3 * pageSize, true},
		{4*pageSize + 1, 3*pageSize - 2, true},
		{4*pageSize - 1, 2, false}, // the last byte of page 3
		{0, int64(len(data)), false},
	}
	for _, tc := range cases {
		if got, err := resident(fd, tc.off, tc.n); got != tc.want || err != nil {
			t.Errorf("resident(%d, %d) = %v, %v; want %v", tc.off, tc.n, got, err, tc.want)
		}
		if got := mincoreResident(fd, tc.off, tc.n); got != tc.want {
			t.Errorf("mincoreResident(%d, %d) = %v, want %v", tc.off, tc.n, got, tc.want)
		}
	}
}

// BenchmarkResident is the cost of the check each sendfile piece of a hot file pays:
// one cachestat(2) over the piece; and of mincore on a transient mapping, which a
// piece pays where cachestat cannot see the pages (overlayfs) or is missing.
func BenchmarkResident(b *testing.B) {
	for _, size := range []int64{64 << 10, 1 << 20, sendfileBudget} {
		b.Run(strconv.FormatInt(size>>10, 10)+"KiB", func(b *testing.B) {
			benchResident(b, size, false)
		})
		b.Run(strconv.FormatInt(size>>10, 10)+"KiB-mincore", func(b *testing.B) {
			benchResident(b, size, true)
		})
	}
}

func benchResident(b *testing.B, size int64, mincore bool) {
	if mincore {
		noCachestat.Store(true)
		defer noCachestat.Store(false)
	}
	p := filepath.Join(b.TempDir(), "f")
	if err := os.WriteFile(p, pattern(int(size), 1), 0o600); err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := resident(int(f.Fd()), 0, size); !ok || err != nil {
			b.Fatalf("resident: %v, %v", ok, err)
		}
	}
}

// On overlayfs (a container's root file system) cachestat sees none of a file's
// pages (they are cached under the file below); resident still tells a hot piece from
// a cold one, through mincore, so that hot files are not sent to the executor. The
// overlay is mounted in a mount namespace of the test's own, which needs root: the
// test skips without it.
func TestResidentOverlay(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"lower", "upper", "work", "merged"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	data := pattern(1<<20, 9)
	lowerPath := filepath.Join(dir, "lower", "f")
	if err := os.WriteFile(lowerPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	// A goroutine locked to its thread, which it ends: the namespace and the mount
	// go with the thread, the descriptor opened through the mount stays valid.
	opened := make(chan error, 1)
	var f *os.File
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
		err := unix.Unshare(unix.CLONE_NEWNS)
		if err == nil {
			err = unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, "")
		}
		if err == nil {
			err = unix.Mount("overlay", filepath.Join(dir, "merged"), "overlay", 0,
				"lowerdir="+filepath.Join(dir, "lower")+",upperdir="+filepath.Join(dir, "upper")+",workdir="+filepath.Join(dir, "work"))
		}
		if err == nil {
			f, err = os.Open(filepath.Join(dir, "merged", "f"))
		}
		opened <- err
	}()
	if err := <-opened; err != nil {
		t.Skipf("no overlay mount (root in a mount namespace of its own is needed): %v", err)
	}
	defer f.Close()
	// Drop the pages where they are: under the file below.
	lower, err := os.Open(lowerPath)
	if err != nil {
		t.Fatal(err)
	}
	err = errors.Join(lower.Sync(), unix.Fadvise(int(lower.Fd()), 0, 0, unix.FADV_DONTNEED))
	lower.Close()
	if err != nil {
		t.Fatal(err)
	}
	fd := int(f.Fd())
	if ok, err := resident(fd, 0, int64(len(data))); ok || err != nil {
		t.Fatalf("dropped: resident = %v, %v; want false", ok, err)
	}
	if _, err := io.Copy(io.Discard, f); err != nil {
		t.Fatal(err)
	}
	var cs unix.Cachestat_t
	if err := unix.Cachestat(uint(fd), &unix.CachestatRange{Len: uint64(len(data))}, &cs, 0); err == nil {
		t.Logf("cachestat through the overlay sees %d of %d pages", cs.Cache, int64(len(data))/pageSize)
	}
	if ok, err := resident(fd, 0, int64(len(data))); !ok || err != nil {
		t.Fatalf("read whole: resident = %v, %v; want true", ok, err)
	}
}
