// Command scapql reads syscall captures (.scap) and answers questions about them with SQL and
// display filters.
package main

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"
)

// rootCmd is the top of the command tree; each subcommand lives in its own file and adds
// itself in an init function.
var rootCmd = &cobra.Command{
	Use:   "scapql [CAPTURE...]",
	Short: "SQL and display filters over syscall captures (.scap)",
	Long: `scapql reads syscall captures (.scap) written by sysdig, Falco and Stratoshark.

With capture files and no command it opens the interactive shell, where SQL and display
filters run side by side (see 'scapql repl --help').`,
	Args:          cobra.ArbitraryArgs,
	SilenceUsage:  true,
	SilenceErrors: true,
	RunE: func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		return runRepl(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr(), args, replFlags{dialect: "auto"})
	},
}

func main() {
	// SCAPQL_CPUPROFILE=FILE writes a CPU profile of the run (for benchmarks/README.md's
	// profiling; go tool pprof reads it).
	if path := os.Getenv("SCAPQL_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			defer f.Close()
			defer pprof.StopCPUProfile()
		}
	}
	rootCmd.SetArgs(protectFilterArgs(os.Args[1:]))
	if err := rootCmd.Execute(); err != nil {
		err = explainTimeout(err) // limits.go
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "scapql:", err)
		os.Exit(exitCode(err))
	}
}

// protectFilterArgs keeps a filter that starts with '-' (a Wireshark negation such as
// "-evt.rawres == 11") from being read as flags: a single-dash argument holding a space or a
// dot, which no flag does, starts the positional arguments.
func protectFilterArgs(args []string) []string {
	for i, a := range args {
		if a == "--" {
			return args
		}
		if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.ContainsAny(a, " \t.") {
			out := append(append(append([]string(nil), args[:i]...), "--"), args[i:]...)
			return out
		}
	}
	return args
}

// exitCode lets a command choose its exit status by returning an error that carries one.
func exitCode(err error) int {
	if c, ok := err.(interface{ ExitCode() int }); ok {
		return c.ExitCode()
	}
	return 1
}
