//go:build !windows

package machine

import "errors"

func windowsMachineGUID() (string, error) { return "", errors.New("not windows") }
