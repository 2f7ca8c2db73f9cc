//go:build !race

package loop

import (
	"syscall"
	"unsafe"
)

// rawWrite writes p (not empty) to the non-blocking socket fd with a raw system call
// (see sockWrite).
func rawWrite(fd int, p []byte) (int, syscall.Errno) {
	n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), e
}
