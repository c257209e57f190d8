package abi

import (
	"sync"
)

// Handle is an object held by C: a number in this table, never a Go
// pointer (cgo forbids keeping those in C memory, and a number that is
// not in the table is an error rather than memory corruption).
type Handle uint64

var handles = struct {
	sync.RWMutex
	next uint64
	m    map[Handle]any
}{m: map[Handle]any{}}

func register(v any) Handle {
	handles.Lock()
	defer handles.Unlock()
	handles.next++
	h := Handle(handles.next)
	handles.m[h] = v
	return h
}

// lookup returns the object of h if it is a T.
func lookup[T any](h Handle, kind string) (T, *Error) {
	handles.RLock()
	v, ok := handles.m[h]
	handles.RUnlock()
	t, isT := v.(T)
	if !ok || !isT {
		var zero T
		return zero, fail(StatusHandle, "%d is not an open %s handle", h, kind)
	}
	return t, nil
}

// Close releases h. Calls that are running on it finish with the object
// they looked up; later calls get StatusHandle. Closing 0 or a closed
// handle does nothing, so that cleanup code can close unconditionally.
func Close(h Handle) {
	handles.Lock()
	delete(handles.m, h)
	handles.Unlock()
}
