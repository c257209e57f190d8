// Package machine computes a machine's UID for one product from its
// hardware, through ghw and the SMBIOS (DMI) tables: the MAC of the first
// operational physical network interface in the operating system's order,
// the SMBIOS processor ID (or the CPU signature when the table cannot be
// read), and the product's minor version; optionally the OS machine ID,
// the SMBIOS system UUID, or a value the product supplies.
//
// Raw hardware values never leave this package in the UID: each is hashed
// with the product ID into a 15-bit slot (see codec.MachineUID). The UID
// format and its comparison live in codec, which the verifier may use
// without importing ghw.
package machine
