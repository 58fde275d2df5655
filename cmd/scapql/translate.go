package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scapql/scapql/translate"
	"github.com/scapql/scapql/translate/rules"
)

func init() {
	var dialect string
	var rulesFiles []string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "translate [--dialect falco|wireshark|auto] [--rules FILE] FILTER",
		Short: "Print the SQL WHERE expression for a display filter",
		Long: `Translate a display filter (Falco/sysdig or Wireshark/Stratoshark dialect) into a DuckDB
boolean expression over the events table, e.g.

  scapql translate 'proc.name = curl and not fd.name pmatch (/etc)'
  scapql translate --dialect wireshark 'evt.type == "connect" && !(evt.res == "EAGAIN")'
  scapql translate --rules falco_rules.yaml 'spawned_process and shell_procs'

With --dialect auto (the default) the filter is read in the dialect its tokens suggest and,
if that fails, in the other one. Several arguments are joined with blanks.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := translate.ParseDialect(dialect)
			if err != nil {
				return err
			}
			opts := translate.Options{Dialect: d}
			if len(rulesFiles) > 0 {
				rs, err := rules.Load(rulesFiles...)
				if err != nil {
					return err
				}
				opts.Resolver = rs
			}
			r, err := translate.Compile(strings.Join(args, " "), opts)
			if err != nil {
				return err
			}
			if verbose {
				fmt.Fprintf(cmd.ErrOrStderr(), "dialect: %s\n", r.Dialect)
			}
			fmt.Fprintln(cmd.OutOrStdout(), r.SQL)
			return nil
		},
	}
	cmd.Flags().StringVar(&dialect, "dialect", "auto", "filter dialect: falco, wireshark or auto")
	cmd.Flags().StringSliceVar(&rulesFiles, "rules", nil, "Falco rules file(s) whose macros and lists the filter may use")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "report the dialect the filter was read in (on stderr)")
	rootCmd.AddCommand(cmd)
}
