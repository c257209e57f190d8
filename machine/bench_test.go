package machine

import "testing"

// BenchmarkMachineUID collects this machine's UID in-process, as a
// product does at start-up. Goal: under 5 ms on the CI machine. Its
// baseline is BenchmarkMachineUIDFixture: the same work on a small fixture
// tree, which bounds what the recipe itself costs apart from the live
// system's sysfs and DMI access.
func BenchmarkMachineUID(b *testing.B) {
	opts := Options{Product: "umenu", Version: "4.2.17", OSMachineID: true, SystemUUID: true}
	if _, err := Collect(opts); err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		if _, err := Collect(opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMachineUIDFixture(b *testing.B) {
	root := bareMetal.buildIn(b, b.TempDir())
	opts := Options{Product: "umenu", Version: "4.2.17", OSMachineID: true, SystemUUID: true, Root: root}
	for b.Loop() {
		if _, err := Collect(opts); err != nil {
			b.Fatal(err)
		}
	}
}
