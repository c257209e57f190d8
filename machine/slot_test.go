package machine

import (
	"testing"

	"github.com/actkit/actkit/codec"
)

func TestSlotHashSeparatesProductsAndComponents(t *testing.T) {
	mac := []byte("52:54:00:12:34:56")
	if SlotHash("umenu", codec.SlotNetwork, mac) == SlotHash("other", codec.SlotNetwork, mac) {
		t.Error("same slot for two products")
	}
	if SlotHash("umenu", codec.SlotNetwork, mac) == SlotHash("umenu", codec.SlotCPU, mac) {
		t.Error("same slot for two components")
	}
}
