package machine

import "github.com/actkit/actkit/codec"

// SlotHash hashes one component value into its 15-bit slot, with the
// product ID and a per-component label. It is never 0, which marks an
// absent component. Hashing with the product ID makes the same machine
// show different UIDs to different products, and hashing at all keeps raw
// hardware values (MAC addresses, serial numbers) out of what customers
// send to the vendor. Only this package computes slots: verifiers and the
// vendor compare UIDs, never the values behind them.
func SlotHash(product string, c codec.Component, value []byte) uint16 {
	return codec.SlotValue(codec.ComponentDigest(product, c, value))
}
