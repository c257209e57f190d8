package loadkit

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Post sends one API request and fails on anything but 200 (and, with
// want, a body without it).
func Post(c *http.Client, url, key, body, want string) error {
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	if want != "" && !bytes.Contains(b, []byte(want)) {
		return fmt.Errorf("answer without %s: %s", want, b)
	}
	return nil
}
