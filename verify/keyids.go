package verify

import "github.com/actkit/actkit/codec"

// KeyIDs lists the IDs of the keys the keyring pins, in its order (not
// the revoked ones): what a product tells its licence server it trusts,
// so that the server signs only with a key this keyring holds.
func (k *Keyring) KeyIDs() []codec.KeyID {
	out := make([]codec.KeyID, len(k.keys))
	for i := range k.keys {
		out[i] = k.keys[i].id
	}
	return out
}
