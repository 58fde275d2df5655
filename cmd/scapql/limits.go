package main

import (
	"github.com/scapql/scapql/columnar/engine"
	"github.com/scapql/scapql/repl"
	"github.com/scapql/scapql/translate/rules"
)

// inputLimits bound the shell's input (scripts, .read files, -c).
var inputLimits struct{ maxLine, maxStatement int }

// The limits every command shares (README "Limits"); each error that hits one names its flag.
func init() {
	f := rootCmd.PersistentFlags()
	f.BoolVar(&engine.AllowNetwork, "allow-network", false, "let DuckDB install and load extensions and read URLs (offline otherwise)")
	f.Int64Var(&rules.DefaultLimits.MaxBytes, "rules-max-bytes", rules.DefaultLimits.MaxBytes, "largest rules file read")
	f.IntVar(&rules.DefaultLimits.MaxNodes, "rules-max-nodes", rules.DefaultLimits.MaxNodes, "most YAML entries (lines, flow entries) in one rules file")
	f.IntVar(&rules.DefaultLimits.MaxDepth, "rules-max-depth", rules.DefaultLimits.MaxDepth, "deepest YAML nesting in a rules file")
	f.IntVar(&inputLimits.maxLine, "max-line", repl.DefaultMaxLine, "longest line of a shell script or .read file, in bytes")
	f.IntVar(&inputLimits.maxStatement, "max-statement", repl.DefaultMaxStatement, "longest shell statement (all its lines), in bytes")
	f.IntVar(&rules.DefaultLimits.MaxItems, "rules-max-items", rules.DefaultLimits.MaxItems, "most lists, macros and rules in all rules files together")
}
