package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// Completion scripts call "actkit ... --generate-bash-completion", which
// urfave/cli answers with the candidate commands and flags.
const bashCompletion = `# bash completion for actkit; load with: source <(actkit completion bash)
_actkit_complete() {
  local cur="${COMP_WORDS[COMP_CWORD]}" req
  if [[ "$cur" == -* ]]; then
    req="${COMP_WORDS[*]:0:$COMP_CWORD} $cur --generate-bash-completion"
  else
    req="${COMP_WORDS[*]:0:$COMP_CWORD} --generate-bash-completion"
  fi
  COMPREPLY=($(compgen -W "$(eval "$req" 2>/dev/null)" -- "$cur"))
}
complete -o bashdefault -o default -F _actkit_complete actkit
`

const zshCompletion = `#compdef actkit
# zsh completion for actkit; load with: source <(actkit completion zsh)
_actkit() {
  local -a opts
  local cur=${words[-1]}
  if [[ "$cur" == -* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
compdef _actkit actkit
`

func completionCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		ArgsUsage: "SHELL",
		Description: `Examples:
   source <(actkit completion bash)
   actkit completion fish > ~/.config/fish/completions/actkit.fish`,
		Action: func(c *cli.Context) error {
			sh, err := oneArg(c, "SHELL")
			if err != nil {
				return err
			}
			switch sh {
			case "bash":
				fmt.Fprint(e.stdout, bashCompletion)
			case "zsh":
				fmt.Fprint(e.stdout, zshCompletion)
			case "fish":
				s, err := c.App.ToFishCompletion()
				if err != nil {
					return err
				}
				fmt.Fprint(e.stdout, s)
			default:
				return usageError("unknown shell %q: bash, zsh or fish", sh)
			}
			return nil
		},
	}
}

func manCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:        "man",
		Usage:       "print the manual page (roff), generated from the command definitions",
		Description: "Example:\n   actkit man > actkit.1 && man ./actkit.1",
		Action: func(c *cli.Context) error {
			s, err := c.App.ToMan()
			if err != nil {
				return err
			}
			fmt.Fprint(e.stdout, s)
			return nil
		},
	}
}

// buildInfo is the module version and build settings of this binary.
type buildInfo struct {
	Version   string `json:"version"`
	Module    string `json:"module"`
	GoVersion string `json:"go"`
	Platform  string `json:"platform"`
	Revision  string `json:"revision,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: "(devel)", Module: "github.com/actkit/actkit", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if info, ok := debug.ReadBuildInfo(); ok {
		b.Module = info.Main.Path
		if info.Main.Version != "" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Revision = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	return b
}

func versionCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:        "version",
		Usage:       "print actkit's version and build information",
		Description: "Example:\n   actkit version --json",
		Flags:       []cli.Flag{jsonFlag},
		Action: func(c *cli.Context) error {
			b := readBuildInfo()
			if c.Bool("json") {
				return writeJSON(e.stdout, b)
			}
			fmt.Fprintf(e.stdout, "actkit %s (%s, %s, %s)\n", b.Version, b.Module, b.GoVersion, b.Platform)
			if b.Revision != "" {
				mod := ""
				if b.Modified {
					mod = " (modified)"
				}
				fmt.Fprintf(e.stdout, "revision %s%s\n", b.Revision, mod)
			}
			return nil
		},
	}
}
