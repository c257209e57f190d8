package machine

import (
	"errors"
	"strings"
	"testing"

	"github.com/actkit/actkit/activation"
	"github.com/actkit/actkit/codec"
)

const intelID = "EA0609000FFBEBBF" // a processor ID as SMBIOS stores it

var (
	bareMetal = fixture{
		nics: []fixNIC{
			{name: "eno1", mac: "00:1b:21:aa:bb:01", index: 2, operstate: "up"},
			{name: "eno2", mac: "00:1b:21:aa:bb:02", index: 3, operstate: "up"},
			{name: "docker0", mac: "02:42:ac:11:00:01", index: 4, operstate: "up", virtual: true},
		},
		processorID: intelID, systemUUID: "4C4C4544004C3510804AB4C04F573532",
		cpuModel: "Intel(R) Xeon(R) Gold 6230", machineID: "3d1219c7c4c5404aaa1f6d2a48adfda4",
	}
	virtioVM = fixture{
		nics:        []fixNIC{{name: "ens3", mac: "52:54:00:12:34:56", index: 2, operstate: "up"}},
		processorID: "A30F0500FFFB8B07", cpuModel: "QEMU Virtual CPU",
	}
	containerVeth = fixture{
		nics:     []fixNIC{{name: "eth0", mac: "8e:4a:11:22:33:44", index: 9, operstate: "up", virtual: true}},
		noDMI:    true,
		cpuModel: "AMD EPYC 7B13",
	}
	laptopRandomWiFi = fixture{
		nics: []fixNIC{
			{name: "enp0s31f6", mac: "54:e1:ad:01:02:03", index: 2, operstate: "down"},
			{name: "wlp2s0", mac: "7a:3c:19:aa:bb:cc", index: 3, operstate: "up", random: true},
		},
		processorID: intelID, cpuModel: "Intel(R) Core(TM) i7-1165G7",
	}
	noDMI = fixture{
		nics:     []fixNIC{{name: "eth0", mac: "00:16:3e:00:00:01", index: 2, operstate: "up"}},
		noDMI:    true,
		cpuModel: "Intel(R) Xeon(R) Gold 6230",
	}
	reordered = fixture{
		nics: []fixNIC{
			{name: "eth0", mac: "00:1b:21:aa:bb:02", index: 3, operstate: "up"},
			{name: "eth1", mac: "00:1b:21:aa:bb:01", index: 2, operstate: "up"},
		},
		processorID: intelID,
	}
	firstDown = fixture{
		nics: []fixNIC{
			{name: "eno1", mac: "00:1b:21:aa:bb:01", index: 2, operstate: "down"},
			{name: "eno2", mac: "00:1b:21:aa:bb:02", index: 3, operstate: "up"},
		},
		processorID: intelID,
	}
)

func collect(t *testing.T, f fixture, opts Options) *Identity {
	t.Helper()
	opts.Root = f.build(t)
	if opts.Product == "" {
		opts.Product = "umenu"
	}
	if opts.Version == "" {
		opts.Version = "4.2.17"
	}
	id, err := Collect(opts)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func component(id *Identity, c codec.Component) ComponentInfo {
	for _, ci := range id.Components {
		if ci.Component == c {
			return ci
		}
	}
	return ComponentInfo{}
}

// TestFixtureMachines checks each fixture's chosen components and its
// UID, which is pinned: a change to the recipe that changes UIDs in the
// field fails here.
func TestFixtureMachines(t *testing.T) {
	cases := []struct {
		name    string
		f       fixture
		opts    Options
		nic     string // chosen interface ("" = network missing)
		cpu     State
		wantUID string
	}{
		{"bare metal, two NICs", bareMetal, Options{}, "eno1", Found, "19DSX-5JRR5-00000-0000E"},
		{"bare metal with all extras", bareMetal, Options{OSMachineID: true, SystemUUID: true, ProductValue: "site-7"}, "eno1", Found, "19DSX-5JRR5-0BSDM-DRNKF"},
		{"VM with virtio", virtioVM, Options{}, "ens3", Found, "18J8C-GJRR5-00000-0000R"},
		{"container with only veth", containerVeth, Options{ProductValue: "container-42"}, "", Fallback, "1000P-SQRR5-00000-0DT9J"},
		{"laptop with randomized Wi-Fi MAC", laptopRandomWiFi, Options{ProductValue: "laptop-7"}, "", Found, "1000X-5JRR5-00000-0RVS6"},
		{"no DMI table", noDMI, Options{}, "eth0", Fallback, "1MDG3-YTRR5-00000-0000Z"},
		{"interfaces in another order", reordered, Options{}, "eth1", Found, "19DSX-5JRR5-00000-0000E"},
		{"first interface down", firstDown, Options{}, "eno2", Found, "1BA0X-5JRR5-00000-0000G"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := collect(t, c.f, c.opts)
			net := component(id, codec.SlotNetwork)
			if c.nic == "" {
				if net.State != Missing {
					t.Fatalf("network: %s from %s, want missing", net.State, net.Source)
				}
			} else if net.State != Found || !strings.HasPrefix(net.Source, c.nic+" ") {
				t.Fatalf("network: %s from %q, want %s", net.State, net.Source, c.nic)
			}
			if got := component(id, codec.SlotCPU).State; got != c.cpu {
				t.Fatalf("cpu: %s, want %s", got, c.cpu)
			}
			if id.UID.String() != c.wantUID {
				t.Errorf("UID %s, want %s", id.UID, c.wantUID)
			}
			if _, err := codec.ParseMachineUID(id.UID.String()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestOneComponentChangesOneSlot(t *testing.T) {
	base := collect(t, bareMetal, Options{OSMachineID: true, SystemUUID: true})
	newNIC := bareMetal
	newNIC.nics = append([]fixNIC{{name: "eno1", mac: "00:1b:21:cc:dd:01", index: 2, operstate: "up"}}, bareMetal.nics[1:]...)
	newCPU := bareMetal
	newCPU.processorID = "EA0609000FFBEBB0"
	changes := []struct {
		what string
		id   *Identity
		slot codec.Component
	}{
		{"new NIC", collect(t, newNIC, Options{OSMachineID: true, SystemUUID: true}), codec.SlotNetwork},
		{"new CPU", collect(t, newCPU, Options{OSMachineID: true, SystemUUID: true}), codec.SlotCPU},
		{"minor upgrade", collect(t, bareMetal, Options{Version: "4.3.0", OSMachineID: true, SystemUUID: true}), codec.SlotVersion},
	}
	for _, c := range changes {
		d := activation.CompareUIDs(base.UID, c.id.UID)
		if ch := d.Differing(); len(ch) != 1 || ch[0] != c.slot {
			t.Errorf("%s changed %v, want only %v (%s)", c.what, ch, c.slot, d)
		}
	}
	patch := collect(t, bareMetal, Options{Version: "4.2.99", OSMachineID: true, SystemUUID: true})
	if patch.UID != base.UID {
		t.Error("a patch release changed the UID")
	}
	other := collect(t, bareMetal, Options{Product: "other", OSMachineID: true, SystemUUID: true})
	if other.UID == base.UID {
		t.Error("two products share a UID")
	}
}

func TestNoUsableComponent(t *testing.T) {
	f := fixture{nics: []fixNIC{{name: "eth0", mac: "8e:4a:11:22:33:44", index: 9, operstate: "up", virtual: true}}, noDMI: true}
	_, err := Collect(Options{Product: "umenu", Version: "1.0", Root: f.build(t)})
	if !errors.Is(err, ErrNoComponent) {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{"network adapter", "OS machine ID", "ProductValue"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	// The product's own value rescues such a machine.
	id, err := Collect(Options{Product: "umenu", Version: "1.0", Root: f.build(t), ProductValue: "container-42"})
	if err != nil || component(id, codec.SlotCustom).State != Found {
		t.Fatalf("with a product value: %v", err)
	}
}

// TestProcessorAloneIsNoIdentity: machines without a usable network
// adapter (a container, a laptop whose Wi-Fi MAC is randomized) used to
// get a UID of the processor model and the version alone, the same on
// every such machine: one code, one seat, any number of machines. Such a
// machine now needs a per-machine component.
func TestProcessorAloneIsNoIdentity(t *testing.T) {
	for name, f := range map[string]fixture{"container with only veth": containerVeth, "laptop with randomized Wi-Fi MAC": laptopRandomWiFi} {
		_, err := Collect(Options{Product: "umenu", Version: "4.2.17", Root: f.build(t)})
		if !errors.Is(err, ErrNoComponent) {
			t.Errorf("%s: got %v, want ErrNoComponent", name, err)
		}
	}
}

func TestRawValuesStayOutOfTheUID(t *testing.T) {
	id := collect(t, bareMetal, Options{})
	net := component(id, codec.SlotNetwork)
	if net.Raw() != "00:1b:21:aa:bb:01" {
		t.Fatalf("raw %q", net.Raw())
	}
	if strings.Contains(strings.ToLower(id.UID.String()), "1b21") {
		t.Fatal("MAC bytes in the UID")
	}
}

func TestMinorVersion(t *testing.T) {
	for in, want := range map[string]string{"4.2.17": "4.2", "4.2": "4.2", "v10.0.1-rc1": "10.0", "7": "7"} {
		if got, err := MinorVersion(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "x.y", "4..1", "-1.2"} {
		if _, err := MinorVersion(bad); !errors.Is(err, ErrBadOptions) {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := Collect(Options{Product: "Bad", Version: "1.0"}); !errors.Is(err, ErrBadOptions) {
		t.Error("bad product accepted")
	}
}

// TestLiveMachineIsStable reads this machine twice.
func TestLiveMachineIsStable(t *testing.T) {
	opts := Options{Product: "umenu", Version: "4.2.17", OSMachineID: true}
	a, errA := Collect(opts)
	b, errB := Collect(opts)
	if errA != nil || errB != nil {
		if errors.Is(errA, ErrNoComponent) && errors.Is(errB, ErrNoComponent) {
			t.Skipf("this machine has no usable component: %v", errA)
		}
		t.Fatal(errA, errB)
	}
	if a.UID != b.UID {
		t.Fatalf("two reads differ: %s %s", a.UID, b.UID)
	}
}
