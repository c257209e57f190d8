package main

/*
typedef const char actkit_cchar;
*/
import "C"

import (
	"runtime/debug"

	"github.com/actkit/actkit/native/internal/abi"
)

// The strings that actkit_version, actkit_status_name and
// actkit_reason_name return are allocated once and never freed: the
// caller must not free them, and they stay valid while the library is
// loaded.
var (
	staticVersion = cstatic(version())
	staticReasons = func() []*C.actkit_cchar {
		out := make([]*C.actkit_cchar, len(abi.Reasons))
		for i, r := range abi.Reasons {
			out[i] = cstatic(r)
		}
		return out
	}()
	staticStatus = func() map[abi.Status]*C.actkit_cchar {
		out := map[abi.Status]*C.actkit_cchar{}
		for s, n := range abi.StatusNames {
			out[s] = cstatic(n)
		}
		return out
	}()
)

func cstatic(s string) *C.actkit_cchar { return (*C.actkit_cchar)(C.CString(s)) }

// version is the module version of the build, "devel" from a clone.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
