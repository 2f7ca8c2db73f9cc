//go:build 386 || arm || mips || mipsle

package loop

import "golang.org/x/sys/unix"

// mapShared maps length bytes of fd from start (a multiple of the page size) read-only
// and shared, with the raw call (x/sys's Mmap allocates and locks). 32-bit systems
// take the offset in 4096-byte units (mmap2): their mmap(2) system call is the old
// one, whose arguments are in memory, or absent.
func mapShared(fd int, start int64, length uintptr) (uintptr, unix.Errno) {
	addr, _, e := unix.Syscall6(unix.SYS_MMAP2, 0, length, unix.PROT_READ, unix.MAP_SHARED, uintptr(fd), uintptr(start/4096))
	return addr, e
}
