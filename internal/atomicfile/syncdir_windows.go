//go:build windows

package atomicfile

// syncDir is a no-op on Windows: directories cannot be opened for
// syncing there, and NTFS journals the rename (MoveFileEx) itself.
func syncDir(dir string) error { return nil }
