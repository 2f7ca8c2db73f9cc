//go:build race

package loop

import "syscall"

// rawWrite writes p to fd with syscall.Write under the race detector: syscall.Write
// tells the detector that the write happens before the peer's read of the bytes
// (syscall.Read acquires what syscall.Write released), which a raw system call does
// not, and code that hands state over through a socket would be reported as racing.
func rawWrite(fd int, p []byte) (int, syscall.Errno) {
	n, err := syscall.Write(fd, p)
	if err != nil {
		if e, ok := err.(syscall.Errno); ok {
			return 0, e
		}
		return 0, syscall.EIO
	}
	return n, 0
}
