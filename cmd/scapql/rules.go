package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/scapql/scapql/translate"
	"github.com/scapql/scapql/translate/rules"
)

// exitError is an error with the exit status main should use.
type exitError struct {
	err  error
	code int
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) ExitCode() int { return e.code }

func init() {
	var verbose, showSQL bool
	rulesCmd := &cobra.Command{
		Use:   "rules",
		Short: "Work with Falco rules files",
	}
	check := &cobra.Command{
		Use:   "check FILE...",
		Short: "Report, per rule, whether its condition translates to SQL",
		Long: `Load Falco rules files (later files may append to or override earlier ones), expand
macros, lists and exceptions, and translate every rule's condition. Each rule is reported as
ok, FAIL (with the unsupported field or operator) or SKIP (a source other than syscall,
aws_cloudtrail and k8s_audit). The exit status is 1 if any rule fails.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rs, err := rules.Load(args...)
			if err != nil {
				return &exitError{err, 2}
			}
			out := cmd.OutOrStdout()
			for _, w := range rs.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
			}
			ok, failed, skipped := 0, 0, 0
			for _, r := range rs.Check() {
				state := ""
				if !r.Rule.Enabled {
					state = " (disabled)"
				}
				switch {
				case r.Err == nil:
					ok++
					fmt.Fprintf(out, "ok    %s%s\n", r.Rule.Name, state)
					if showSQL {
						fmt.Fprintf(out, "      %s\n", r.SQL)
					}
				case !rules.SupportedSource(r.Rule.Source):
					skipped++
					fmt.Fprintf(out, "SKIP  %s%s: source %s\n", r.Rule.Name, state, r.Rule.Source)
				default:
					failed++
					fmt.Fprintf(out, "FAIL  %s%s (%s): %s\n", r.Rule.Name, state, r.Rule.Pos, reason(r.Err))
					if verbose {
						fmt.Fprintln(out, indent(r.Err.Error(), "      "))
					}
				}
			}
			fmt.Fprintf(out, "%d of %d rules translate (%d fail, %d skipped)\n", ok, ok+failed+skipped, failed, skipped)
			if failed > 0 {
				return &exitError{fmt.Errorf("%d rules do not translate", failed), 1}
			}
			return nil
		},
	}
	check.Flags().BoolVarP(&verbose, "verbose", "v", false, "show each failure with the condition and a caret")
	check.Flags().BoolVar(&showSQL, "sql", false, "print the SQL of the rules that translate")
	rulesCmd.AddCommand(check)

	var rf rulesRunFlags
	var matching string
	run := &cobra.Command{
		Use:   "run --rules FILE... INPUT...",
		Short: "Run Falco rules over captures and audit logs, printing Falco's alerts",
		Long: `Run the rules of Falco rules files over captures and audit logs (CloudTrail,
Kubernetes audit, or captures carrying their plugin events), as falco -r RULES -e FILE does:
one alert per matching event and rule, in Falco's text format (time, priority, the rule's
output with <NA> for absent fields; %container.info becomes container_id=... container_name=...)
or with -j Falco's JSON alert (hostname, output, output_fields, priority, rule, source, tags,
time). Syscall rules run on the captures' events, aws_cloudtrail and k8s_audit rules on the
records of their source. Rules with enabled: false, below --min-priority, or of other sources
are not run; append, override and exceptions are applied as Falco applies them, and a rules
file requiring a newer engine than ` + rules.EngineVersion + ` is refused.

The conditions are evaluated in process, in one pass over each input (the same checked form
the SQL of 'rules check --sql' is emitted from); a summary on stderr says so.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(rf.rules) == 0 {
				return &exitError{fmt.Errorf("give at least one rules file with --rules"), 2}
			}
			switch matching {
			case "all", "first":
				rf.first = matching == "first"
			default:
				return &exitError{fmt.Errorf("--rule-matching %q: all or first", matching), 2}
			}
			return runRules(cmd.OutOrStdout(), cmd.ErrOrStderr(), rf, args)
		},
	}
	rflags := run.Flags()
	rflags.StringArrayVar(&rf.rules, "rules", nil, "Falco rules file (repeatable; later files append to and override earlier ones)")
	rflags.BoolVarP(&rf.json, "json", "j", false, "print alerts as Falco's JSON objects")
	rflags.StringVar(&rf.minPriority, "min-priority", "debug", "run only rules of this priority or more severe (emergency ... debug)")
	rflags.StringVar(&matching, "rule-matching", "all", "all: an alert per matching rule (Falco's rule_matching: all); first: only the first matching rule's, in file order")
	rflags.IntVar(&rf.pf.maxBlock, "max-block", 0, "largest capture block to accept, in bytes (0 = default)")
	rflags.IntVar(&rf.pf.maxThreads, "max-threads", 0, "largest thread table to keep (0 = default)")
	rflags.BoolVar(&rf.pf.keepGoing, "keep-going", false, "skip damaged capture blocks and resynchronise on the next valid one")
	rulesCmd.AddCommand(run)
	rootCmd.AddCommand(rulesCmd)
}

// reason is the one-line message of a translation error.
func reason(err error) string {
	var e *translate.Error
	if errors.As(err, &e) {
		msg := e.Msg
		if len(e.Context) > 0 {
			msg += " (" + strings.Join(e.Context, ", ") + ")"
		}
		return msg
	}
	return err.Error()
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
