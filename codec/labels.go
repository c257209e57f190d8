package codec

// Domain-separation labels. Each kind of object actkit signs, MACs or hashes
// starts its message with its own label, length-prefixed like every other
// field, so a signature made for one kind can never be replayed as another:
// a ledger checkpoint signature is not an activation code, a request code
// checksum is not a keyring checksum. The labels are part of the format and
// never change within a version; a new kind of object gets a new label.
const (
	LabelActivationCode = "actkit/v1/activation-code"
	// LabelKeyring separates the root signatures of version 2 keyrings
	// (signed keyring updates) from everything else a root signs.
	LabelKeyring = "actkit/v1/keyring"
	// LabelDelegation separates a root's signature on a delegation
	// certificate from its signatures on keyrings and codes.
	LabelDelegation       = "actkit/v1/delegation"
	LabelLedgerCheckpoint = "actkit/v1/ledger-checkpoint"
	LabelRequestCode      = "actkit/v1/request-code"
	// LabelDeactivationCode separates the checksum of deactivation codes
	// (a product giving up its activation offline) from request codes'.
	LabelDeactivationCode = "actkit/v1/deactivation-code"
	LabelKeyID            = "actkit/v1/key-id"
	LabelProductTag       = "actkit/v1/product-tag"
	LabelKeyChecksum      = "actkit/v1/key-checksum"
	LabelLicenceTag       = "actkit/v1/licence-tag"
	LabelMachineTag       = "actkit/v1/machine-tag"
	// LabelLedgerCheckpointHeads separates the hash of the list of chain
	// heads a checkpoint commits to (its head hash) from the checkpoint
	// message itself.
	LabelLedgerCheckpointHeads = LabelLedgerCheckpoint + "/heads"
	// LabelMachineUIDSlot is followed by the component's key
	// ("actkit/v1/machine-uid/network"): one label per UID slot.
	LabelMachineUIDSlot = "actkit/v1/machine-uid/"
	// LabelAuditEntry separates the hashes of the vendor ledger's legacy
	// single audit chain; LabelAuditChainEntry those of its per-licence
	// chains.
	LabelAuditEntry      = "actkit/v1/audit-entry"
	LabelAuditChainEntry = "actkit/v1/audit-chain-entry"
	// LabelKeystoreMAC and LabelKeystorePin separate the vendor
	// keystore's content MAC and its per-identity pins (docs/keystore.md).
	LabelKeystoreMAC = "actkit/v1/keystore-mac"
	LabelKeystorePin = "actkit/v1/keystore-pin"
	// LabelProductState separates the product-side state file's checksums.
	// In the version 1 checksum, unlike every other label, it is followed
	// by a NUL byte and the raw JSON rather than length-prefixed fields,
	// a construction kept so that state files written by earlier releases
	// still load. It also opens, length-prefixed, the derivation of the
	// version 2 MAC key; the two inputs cannot collide (one starts with
	// the label's text, the other with its length), and the label is kept
	// because a new one would make every version 2 file read as damaged.
	LabelProductState = "actkit/v1/product-state"
)
