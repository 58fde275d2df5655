// Command scapql reads syscall captures (.scap) and answers questions about them with SQL and
// display filters.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// rootCmd is the top of the command tree; each subcommand lives in its own file and adds
// itself in an init function.
var rootCmd = &cobra.Command{
	Use:           "scapql",
	Short:         "SQL and display filters over syscall captures (.scap)",
	SilenceUsage:  true,
	SilenceErrors: true,
}

func main() {
	if err := rootCmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "scapql:", err)
		os.Exit(exitCode(err))
	}
}

// exitCode lets a command choose its exit status by returning an error that carries one.
func exitCode(err error) int {
	if c, ok := err.(interface{ ExitCode() int }); ok {
		return c.ExitCode()
	}
	return 1
}
