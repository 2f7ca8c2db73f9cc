//go:build !(386 || arm || mips || mipsle)

package loop

import "golang.org/x/sys/unix"

// mapShared maps length bytes of fd from start (a multiple of the page size) read-only
// and shared, with the raw call (x/sys's Mmap allocates and locks). 64-bit systems
// have mmap(2) with a byte offset.
func mapShared(fd int, start int64, length uintptr) (uintptr, unix.Errno) {
	addr, _, e := unix.Syscall6(unix.SYS_MMAP, 0, length, unix.PROT_READ, unix.MAP_SHARED, uintptr(fd), uintptr(start))
	return addr, e
}
