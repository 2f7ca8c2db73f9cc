//go:build !race

package loop

import (
	"syscall"
	"unsafe"
)

// rawWrite writes p (not empty) to the non-blocking socket fd with a raw system call
// (see sockWrite). unsafe.SliceData rather than &p[0]: without the bounds check the
// function is small enough to be inlined in sockWrite.
func rawWrite(fd int, p []byte) (int, syscall.Errno) {
	n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return int(n), e
}
