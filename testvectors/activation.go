package testvectors

import (
	"fmt"
	"strings"
	"time"

	"github.com/actkit/actkit/codec"
)

// widthValue is a value of exactly w big-endian bytes (0 for w = 0): its
// first byte non-zero, varied by i.
func widthValue(w, i int) uint64 {
	if w == 0 {
		return 0
	}
	v := uint64(0x0102030405060708) & (1<<(8*(w-1)) - 1)
	return v | uint64(0x80>>(i%8)|1)<<(8*(w-1))
}

// shapes signs a valid code for every payload layout: each flag
// combination (expiry, seats) with every features width (0 to 7 bytes)
// and every serial width (1 to 8 bytes), varied seat counts and expiry
// days.
func (b *builder) shapes(bind codec.Binding) {
	seats := []uint16{2, 3, 255, 256, 65535}
	exps := []codec.Day{issued, issued + 1, expires, codec.NoExpiry - 1}
	now := issued.Start().Add(12 * time.Hour)
	i := 0
	for _, hasExp := range []bool{false, true} {
		for _, hasSeats := range []bool{false, true} {
			for fw := 0; fw <= 7; fw++ {
				for sw := 1; sw <= 8; sw++ {
					p := codec.Payload{Issued: issued, Expires: codec.NoExpiry, Seats: 1, Features: widthValue(fw, i), Serial: widthValue(sw, i)}
					if sw == 1 {
						p.Serial = uint64(i*37) % 256 // 0 included: one serial byte may be zero
					}
					if hasExp {
						p.Expires = exps[i%len(exps)]
					}
					if hasSeats {
						p.Seats = seats[i%len(seats)]
					}
					raw, err := p.AppendBinary(nil)
					if err != nil {
						panic(err)
					}
					wantFlags := byte(fw<<3 | (sw - 1))
					if hasExp {
						wantFlags |= 0x80
					}
					if hasSeats {
						wantFlags |= 0x40
					}
					if raw[1] != wantFlags {
						panic(fmt.Sprintf("shape %d: flags %#x, want %#x", i, raw[1], wantFlags))
					}
					exp := "perpetual"
					if hasExp {
						exp = "expires " + p.Expires.String()
					}
					b.valid(fmt.Sprintf("payload shape: flags %#02x, %s, %d seats, %d feature bytes, %d serial bytes", wantFlags, exp, p.Seats, fw, sw),
						b.sign(b.active, bind, p), p, b.active, now, LicenceKey, MachineUID)
					i++
				}
			}
		}
	}
}

// dates puts now on both sides of every date boundary, to the second and
// below, in UTC and in other offsets.
func (b *builder) dates(code string, base codec.Payload) {
	bind := binding()
	at := func(d codec.Day, off time.Duration) string { return d.Start().Add(off).Format(time.RFC3339) }
	validAt := func(comment, code string, p codec.Payload, now string) {
		b.valid(comment, code, p, b.active, nowOK, LicenceKey, MachineUID)
		b.group.Tests[len(b.group.Tests)-1].Now = now
	}
	invalidAt := func(comment, code, now, reason string) {
		b.add(Test{Comment: comment, Code: code, LicenceKey: LicenceKey, MachineUID: MachineUID, Now: now, Result: "invalid", Reason: reason})
	}
	const skew = 48 * time.Hour
	iss, exp := base.Issued, base.Expires
	validAt("clock behind the issue day by the skew less one second", code, base, at(iss, -skew+time.Second))
	validAt("first second of the issue day", code, base, at(iss, 0))
	validAt("first second of the expiry day", code, base, at(exp, 0))
	validAt("last millisecond of the expiry day", code, base, exp.End().Add(-time.Millisecond).Format(time.RFC3339Nano))
	invalidAt("one second after the expiry day", code, at(exp, 24*time.Hour+time.Second), "expired")
	invalidAt("one millisecond past the skew", code, iss.Start().Add(-skew-time.Millisecond).Format(time.RFC3339Nano), "not-yet-valid")
	invalidAt("years before the issue day", code, "2024-01-01T00:00:00Z", "not-yet-valid")
	invalidAt("years after the expiry day", code, "2100-01-01T00:00:00Z", "expired")
	// The same instants written in other offsets: only the instant counts.
	validAt("last second of the expiry day, written at UTC+02:00", code, base, exp.End().Add(-time.Second).In(time.FixedZone("", 2*3600)).Format(time.RFC3339))
	invalidAt("start of the day after expiry, written at UTC-12:00 (still the expiry day there)", code,
		exp.End().In(time.FixedZone("", -12*3600)).Format(time.RFC3339), "expired")
	validAt("skew boundary written at UTC+14:00", code, base, iss.Start().Add(-skew).In(time.FixedZone("", 14*3600)).Format(time.RFC3339))
	invalidAt("one second past the skew, written at UTC-09:30", code,
		iss.Start().Add(-skew-time.Second).In(time.FixedZone("", -(9*3600+1800))).Format(time.RFC3339), "not-yet-valid")

	perp := codec.Payload{Issued: issued, Expires: codec.NoExpiry, Seats: 1, Serial: 77}
	pc := b.sign(b.active, bind, perp)
	validAt("perpetual: at the skew boundary", pc, perp, at(iss, -skew))
	invalidAt("perpetual: one second past the skew", pc, at(iss, -skew-time.Second), "not-yet-valid")
	validAt("perpetual: on the last encodable day", pc, perp, at(codec.NoExpiry-1, 24*time.Hour-time.Second))
	validAt("perpetual: long after the last encodable day", pc, perp, "2999-12-31T23:59:59Z")

	same := codec.Payload{Issued: issued, Expires: issued, Seats: 1, Serial: 78}
	sc := b.sign(b.active, bind, same)
	validAt("expires on its issue day: at the skew boundary", sc, same, at(iss, -skew))
	invalidAt("expires on its issue day: one second past the skew", sc, at(iss, -skew-time.Second), "not-yet-valid")
	validAt("expires on its issue day: its last second", sc, same, at(iss, 24*time.Hour-time.Second))
	invalidAt("expires on its issue day: the next day", sc, at(iss, 24*time.Hour), "expired")

	first := codec.Payload{Issued: 0, Expires: 0, Seats: 1, Serial: 79}
	fc := b.sign(b.active, bind, first)
	validAt("issued and expiring on day 0 (2024-01-01): skew boundary before the epoch", fc, first, "2023-12-30T00:00:00Z")
	invalidAt("issued on day 0: one second past the skew", fc, "2023-12-29T23:59:59Z", "not-yet-valid")
	validAt("issued on day 0: its last second", fc, first, "2024-01-01T23:59:59Z")
	invalidAt("issued on day 0: the next day", fc, "2024-01-02T00:00:00Z", "expired")

	last := codec.Payload{Issued: issued, Expires: codec.NoExpiry - 1, Seats: 1, Serial: 80}
	lc := b.sign(b.active, bind, last)
	validAt("expires on the last encodable day (2203-06-06): its last second", lc, last, at(codec.NoExpiry-1, 24*time.Hour-time.Second))
	invalidAt("expires on the last encodable day: the next day", lc, at(codec.NoExpiry, 0), "expired")
	lastIssued := codec.Payload{Issued: codec.NoExpiry - 1, Expires: codec.NoExpiry - 1, Seats: 1, Serial: 81}
	lic := b.sign(b.active, bind, lastIssued)
	validAt("issued and expiring on the last encodable day", lic, lastIssued, at(codec.NoExpiry-1, 0))
	invalidAt("issued on the last encodable day, checked today", lic, nowOK.Format(time.RFC3339), "not-yet-valid")
}

// lookalikes signs codes for real machine UIDs and licence keys, and
// verifies each with the spellings people type: every one valid.
func (b *builder) lookalikes() {
	uids := realUIDs()
	for i, prefix := range []string{"UMENU", "A", "ABCDEFGHIJ"} {
		lic := lookalikeLicence("actkit testvectors v1 licence "+prefix, prefix)
		uid := uids[i].String()
		bind := codec.Binding{Product: Product, LicenceKey: lic, MachineUID: uid}
		p := typical(uint64(5000 + i))
		code := b.sign(b.active, bind, p)
		ls, us := spellings(lic, len(prefix)), spellings(uid, 0)
		for j := range ls {
			b.valid(fmt.Sprintf("licence %s and UID %s typed as: licence %s; UID %s", lic, uid, ls[j][0], us[(j+3)%len(us)][0]),
				code, p, b.active, nowOK, ls[j][1], us[(j+3)%len(us)][1])
		}
		// The prefix keeps what was typed: O is not 0 there.
		if i == 0 {
			zeroPrefix := lookalikeLicence("actkit testvectors v1 licence UMEN0", "UMEN0")
			zb := codec.Binding{Product: Product, LicenceKey: zeroPrefix, MachineUID: uid}
			zc := b.sign(b.active, zb, p)
			b.valid("licence prefix UMEN0 typed with a zero", zc, p, b.active, nowOK, zeroPrefix, uid)
			typed := "UMENO" + zeroPrefix[5:]
			nb, _ := zb.Normalize()
			ob := codec.Binding{Product: Product, LicenceKey: typed, MachineUID: uid}
			onb, err := ob.Normalize()
			if err != nil {
				panic(err)
			}
			reason := "bad-signature"
			if nb.LicenceTag() != onb.LicenceTag() {
				reason = "wrong-licence"
			}
			b.add(Test{Comment: "licence prefix UMEN0 typed UMENO: look-alikes are not resolved in the prefix", Code: zc,
				LicenceKey: typed, MachineUID: uid, Result: "invalid", Reason: reason})
		}
		b.add(Test{Comment: "U typed in the licence body", Code: code, LicenceKey: lic[:len(lic)-2] + "U" + lic[len(lic)-1:], MachineUID: uid, Result: "invalid", Reason: "invalid-binding"})
		b.add(Test{Comment: "U typed in the machine UID", Code: code, LicenceKey: lic, MachineUID: "U" + uid[1:], Result: "invalid", Reason: "invalid-binding"})
	}
	// More bindings no verifier may accept, whatever the code.
	code := b.sign(b.active, binding(), typical(4242))
	flatUID := strings.ReplaceAll(MachineUID, "-", "")
	for _, c := range []struct{ comment, product, lic, uid string }{
		{"licence key without prefix", Product, LicenceKey[6:], MachineUID},
		{"licence key with an 11-character prefix", Product, "UMENUUMENUU" + LicenceKey[5:], MachineUID},
		{"licence key longer than 256 bytes of input", Product, LicenceKey + strings.Repeat(" ", 232), MachineUID},
		{"machine UID of version 2 (check symbol right)", Product, LicenceKey, completeCheck("2"+flatUID[1:19], uidParse)},
		{"machine UID with no component (check symbol right)", Product, LicenceKey, completeCheck("1"+strings.Repeat("0", 18), uidParse)},
		{"machine UID of 21 symbols", Product, LicenceKey, MachineUID + "0"},
		{"machine UID longer than 64 bytes of input", Product, LicenceKey, MachineUID + strings.Repeat(" ", 42)},
		{"machine UID with a no-break space", Product, LicenceKey, strings.Replace(MachineUID, "-", "\u00a0", 1)},
		{"empty machine UID", Product, LicenceKey, ""},
		{"empty product ID", "", LicenceKey, MachineUID},
		{"product ID of 65 characters", strings.Repeat("u", 65), LicenceKey, MachineUID},
		{"product ID starting with a dot", ".umenu", LicenceKey, MachineUID},
	} {
		b.add(Test{Comment: c.comment, Code: code, Product: c.product, LicenceKey: c.lic, MachineUID: c.uid, Result: "invalid", Reason: "invalid-binding"})
		b.group.Tests[len(b.group.Tests)-1].Product = c.product // add fills in an empty one
	}
}

// legacyKeys signs codes bound to imported legacy licence keys (keys that
// are not actkit keys, docs/format.md section 9.2) and verifies each with
// the spellings people type: any case, with or without hyphens, O, I and
// L for 0, 1 and 1. A changed symbol, which no check symbol catches, is
// an invalid binding, as such a key always was to a verifier.
func (b *builder) legacyKeys(uids []codec.MachineUID) {
	for i, lic := range []string{"UMENU-4R0B-1KQ2-M9TU", "ACME-U7K2Q-M4RTA-9VWCE-H3NPM", "A1"} {
		uid := uids[i%len(uids)].String()
		bind := codec.Binding{Product: Product, LicenceKey: lic, MachineUID: uid}
		p := typical(uint64(6000 + i))
		code := b.sign(b.active, bind, p)
		for _, sp := range spellings(lic, 0) {
			b.valid(fmt.Sprintf("legacy licence key %s typed as: %s", lic, sp[0]), code, p, b.active, nowOK, sp[1], uid)
		}
		changed := lic[:len(lic)-1] + "Z"
		b.add(Test{Comment: fmt.Sprintf("legacy licence key %s with its last symbol changed", lic), Code: code,
			LicenceKey: changed, MachineUID: uid, Result: "invalid", Reason: "invalid-binding"})
	}
}
