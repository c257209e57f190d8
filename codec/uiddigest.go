package codec

import "crypto/sha256"

// ComponentDigest is the hash every part of a machine UID is cut from:
//
//	SHA-256(lp(LabelMachineUIDSlot + component key) || lp(product) || lp(value))
//
// A version-1 slot keeps 15 bits of it (SlotValue), a fingerprint UID 90
// (NewFingerprintUID, over the product-value component's digest). Hashing
// with the product ID gives the same machine unrelated UIDs for two
// products; hashing at all keeps raw hardware values (MAC addresses,
// serial numbers, GUIDs) out of what customers send to the vendor.
func ComponentDigest(product string, c Component, value []byte) [sha256.Size]byte {
	buf := make([]byte, 0, 6+len(LabelMachineUIDSlot)+len(c.Key())+len(product)+len(value))
	buf = AppendField(buf, []byte(LabelMachineUIDSlot+c.Key()))
	buf = AppendField(buf, []byte(product))
	buf = AppendField(buf, value)
	return sha256.Sum256(buf)
}

// SlotValue is the version-1 slot of a component digest: its first two
// bytes as a big-endian number with the top bit cleared, and 1 where
// that is 0, which would mark the component absent.
func SlotValue(digest [sha256.Size]byte) uint16 {
	return max((uint16(digest[0])<<8|uint16(digest[1]))&0x7FFF, 1)
}
