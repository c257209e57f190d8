package main

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/actkit/actkit/codec"
	"github.com/actkit/actkit/machine"
	"github.com/urfave/cli/v2"
)

// machineFlags choose the components, as the product would.
func machineFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "product", Usage: "product ID"},
		&cli.StringFlag{Name: "version", Usage: "product version, e.g. 4.2.17 (its minor version 4.2 is part of the UID)"},
		&cli.BoolFlag{Name: "os-id", Usage: "include the OS machine ID"},
		&cli.BoolFlag{Name: "system-uuid", Usage: "include the SMBIOS system UUID"},
		&cli.StringFlag{Name: "value", Usage: "include a value of the product's own (containers, VMs)"},
		&cli.StringFlag{Name: "root", Usage: "read /sys, /proc and /etc under this directory instead of the live system", Hidden: true},
	}
}

func collectMachine(c *cli.Context) (*machine.Identity, error) {
	for _, f := range []string{"product", "version"} {
		if c.String(f) == "" {
			return nil, usageError("--%s is required", f)
		}
	}
	id, err := machine.Collect(machine.Options{
		Product: c.String("product"), Version: c.String("version"),
		OSMachineID: c.Bool("os-id"), SystemUUID: c.Bool("system-uuid"),
		ProductValue: c.String("value"), Root: c.String("root"),
	})
	if errors.Is(err, machine.ErrBadOptions) {
		return nil, usageError("%v", err)
	}
	if err != nil {
		return nil, refused(err, "on containers and VMs without stable hardware, pass --value with an ID the product keeps itself")
	}
	return id, nil
}

type componentFields struct {
	Component string `json:"component"`
	State     string `json:"state"`
	Source    string `json:"source,omitempty"`
	Detail    string `json:"detail,omitempty"`
	Raw       string `json:"raw,omitempty"`
}

func machineIDCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "machine-id",
		Usage: "print this machine's UID for a product",
		Description: `The UID is what the vendor binds an activation code to. It hashes each
component with the product ID: it reveals no MAC address or processor ID,
and differs between products. --explain shows each component and where it
came from; raw values only with --show-raw.

Examples:
   actkit machine-id --product umenu --version 4.2.17
   actkit machine-id --product umenu --version 4.2.17 --explain`,
		Flags: append(machineFlags(),
			&cli.BoolFlag{Name: "explain", Usage: "list each component, its source and its state"},
			&cli.BoolFlag{Name: "show-raw", Usage: "with --explain or --json, also print raw hardware values"},
			jsonFlag),
		Action: func(c *cli.Context) error {
			id, err := collectMachine(c)
			if err != nil {
				return err
			}
			var comps []componentFields
			for _, ci := range id.Components {
				f := componentFields{Component: ci.Component.Key(), State: string(ci.State), Source: ci.Source, Detail: ci.Detail}
				if c.Bool("show-raw") {
					f.Raw = ci.Raw()
				}
				comps = append(comps, f)
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, struct {
					UID        string            `json:"uid"`
					Components []componentFields `json:"components"`
				}{id.UID.String(), comps})
			}
			fmt.Fprintln(e.stdout, id.UID)
			if c.Bool("explain") {
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "COMPONENT\tSTATE\tSOURCE")
				for i, ci := range id.Components {
					src := ci.Source
					if comps[i].Raw != "" {
						src += " = " + comps[i].Raw
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\n", ci.Component, ci.State, src)
					if ci.Detail != "" {
						fmt.Fprintf(tw, "\t\t(%s)\n", ci.Detail)
					}
				}
				return tw.Flush()
			}
			return nil
		},
	}
}

func requestCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:  "request",
		Usage: "print the request code a customer sends to the vendor",
		Description: `One text with the product, licence key, this machine's UID and the product
version, with check symbols, to copy to the vendor by e-mail, paper or
phone. The vendor runs 'actkit issue --request CODE'.

Example:
   actkit request --product umenu --version 4.2.17 --licence UMENU-7KQ2X-M4RTA-9VWCE-H3NPM`,
		Flags: append(machineFlags(),
			&cli.StringFlag{Name: "licence", Aliases: []string{"license"}, Usage: "the licence key"},
			jsonFlag),
		Action: func(c *cli.Context) error {
			if c.String("licence") == "" {
				return usageError("--licence is required")
			}
			if err := checkLicenceKey(c.String("licence")); err != nil {
				return err
			}
			id, err := collectMachine(c)
			if err != nil {
				return err
			}
			r := codec.RequestCode{Product: c.String("product"), LicenceKey: c.String("licence"),
				MachineUID: id.UID, ProductVersion: c.String("version")}
			text, err := r.Text()
			if err != nil {
				return refused(err)
			}
			if c.Bool("json") {
				return writeJSON(e.stdout, map[string]string{"request": text, "uid": id.UID.String()})
			}
			fmt.Fprintln(e.stdout, text)
			return nil
		},
	}
}
