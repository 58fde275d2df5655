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
	var to string
	cmd := &cobra.Command{
		Use:   "translate [--dialect falco|wireshark|auto] [--rules FILE] [--to falco|wireshark] FILTER",
		Short: "Print the SQL WHERE expression for a display filter, or the filter in the other dialect",
		Long: `Translate a display filter (Falco/sysdig or Wireshark/Stratoshark dialect) into a DuckDB
boolean expression over the events table, e.g.

  scapql translate 'proc.name = curl and not fd.name pmatch (/etc)'
  scapql translate --dialect wireshark 'evt.type == "connect" && !(evt.res == "EAGAIN")'
  scapql translate --rules falco_rules.yaml 'spawned_process and shell_procs'

With --dialect auto (the default) the filter is read in the dialect its tokens suggest and,
if that fails, in the other one. Several arguments are joined with blanks.

With --to, the filter is printed in that dialect instead: a Wireshark-dialect filter in Falco
syntax, a Falco one in Wireshark syntax (what the other dialect cannot say is an error):

  scapql translate --to falco 'fd.sport == 0x50 && proc.aname.2 == "bash"'
  scapql translate --to wireshark 'evt.type in (open, openat) and not proc.name = cat'`,
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
			if to != "" {
				target, err := translate.ParseDialect(to)
				if err != nil || target == translate.Auto {
					return fmt.Errorf("--to %q: want falco or wireshark", to)
				}
				out, err := translate.Convert(strings.Join(args, " "), opts, target)
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), out)
				return nil
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
	cmd.Flags().StringVar(&to, "to", "", "print the filter in this dialect (falco or wireshark) instead of SQL")
	rootCmd.AddCommand(cmd)
}
