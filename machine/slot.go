package machine

import (
	"crypto/sha256"

	"github.com/actkit/actkit/codec"
)

// SlotHash hashes one component value into its 15-bit slot, with the
// product ID and a per-component label. It is never 0, which marks an
// absent component. Hashing with the product ID makes the same machine
// show different UIDs to different products, and hashing at all keeps raw
// hardware values (MAC addresses, serial numbers) out of what customers
// send to the vendor. Only this package computes slots: verifiers and the
// vendor compare UIDs, never the values behind them.
func SlotHash(product string, c codec.Component, value []byte) uint16 {
	var buf []byte
	buf = codec.AppendField(buf, []byte(codec.LabelMachineUIDSlot+c.Key()))
	buf = codec.AppendField(buf, []byte(product))
	buf = codec.AppendField(buf, value)
	sum := sha256.Sum256(buf)
	v := (uint16(sum[0])<<8 | uint16(sum[1])) & 0x7FFF
	if v == 0 {
		v = 1
	}
	return v
}
