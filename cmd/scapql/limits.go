package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/scapql/scapql/columnar/engine"
	"github.com/scapql/scapql/repl"
	"github.com/scapql/scapql/translate/rules"
)

// inputLimits bound the shell's input (scripts, .read files, -c).
var inputLimits struct{ maxLine, maxStatement int }

// timeout stops a command (its loading and its statements, which DuckDB interrupts) after a
// while; 0 is no limit.
var (
	timeout       time.Duration
	cancelTimeout context.CancelFunc
)

// withTimeout gives the running command a context with the --timeout deadline.
func withTimeout(cmd *cobra.Command, _ []string) error {
	if timeout > 0 {
		parent := cmd.Context()
		if parent == nil {
			parent = context.Background()
		}
		ctx, cancel := context.WithTimeout(parent, timeout)
		cancelTimeout = cancel
		cmd.SetContext(ctx)
	}
	return nil
}

// explainTimeout names the flag when the deadline is what stopped the command.
func explainTimeout(err error) error {
	if timeout > 0 && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("stopped after --timeout %v", timeout)
	}
	return err
}

// The limits every command shares (README "Limits"); each error that hits one names its flag.
func init() {
	f := rootCmd.PersistentFlags()
	f.DurationVar(&timeout, "timeout", 0, "stop the command after this long (e.g. 30s; 0: no limit); running statements are interrupted")
	rootCmd.PersistentPreRunE = withTimeout
	f.BoolVar(&engine.AllowNetwork, "allow-network", false, "let DuckDB install and load extensions and read URLs (offline otherwise)")
	f.Int64Var(&rules.DefaultLimits.MaxBytes, "rules-max-bytes", rules.DefaultLimits.MaxBytes, "largest rules file read")
	f.IntVar(&rules.DefaultLimits.MaxNodes, "rules-max-nodes", rules.DefaultLimits.MaxNodes, "most YAML entries (lines, flow entries) in one rules file")
	f.IntVar(&rules.DefaultLimits.MaxDepth, "rules-max-depth", rules.DefaultLimits.MaxDepth, "deepest YAML nesting in a rules file")
	f.IntVar(&inputLimits.maxLine, "max-line", repl.DefaultMaxLine, "longest line of a shell script or .read file, in bytes")
	f.IntVar(&inputLimits.maxStatement, "max-statement", repl.DefaultMaxStatement, "longest shell statement (all its lines), in bytes")
	f.IntVar(&rules.DefaultLimits.MaxItems, "rules-max-items", rules.DefaultLimits.MaxItems, "most lists, macros and rules in all rules files together")
}
