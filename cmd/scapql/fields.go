package main

import (
	"fmt"
	"path"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/scapql/scapql/translate"
)

func init() {
	var showSQL, supportedOnly bool
	cmd := &cobra.Command{
		Use:   "fields [PATTERN]",
		Short: "List the filter fields with their type and description",
		Long: `List the fields of the field catalogue. PATTERN selects fields by name: a glob
(proc.*, *.name) or otherwise a substring. Fields the events table does not hold are marked;
filters on them do not translate. The cloud audit fields (ct.*, s3.*, ec2.*, ecr.*, iam.*,
ka.*, json.*, jevt.*) name their Falco event source and are columns of the cloudtrail and
k8saudit tables.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pattern := ""
			if len(args) == 1 {
				pattern = args[0]
				if _, err := path.Match(pattern, ""); err != nil {
					return fmt.Errorf("bad pattern %q: %w", pattern, err)
				}
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			n := 0
			for _, f := range translate.Fields() {
				if !fieldMatches(f.Name, pattern) || supportedOnly && !f.Supported {
					continue
				}
				n++
				desc := f.Description
				if src := translate.FieldSource(f.Name); src != "syscall" {
					desc = "[source " + src + "] " + desc
				}
				if !f.Supported {
					desc = "[not supported: " + f.Reason + "] " + desc
				}
				if showSQL {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", f.Name, f.Type, f.SQL, desc)
				} else {
					fmt.Fprintf(w, "%s\t%s\t%s\n", f.Name, f.Type, desc)
				}
			}
			if err := w.Flush(); err != nil {
				return err
			}
			if n == 0 && pattern != "" {
				return fmt.Errorf("no field matches %q", pattern)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&showSQL, "sql", false, "also show the SQL each field reads")
	cmd.Flags().BoolVar(&supportedOnly, "supported", false, "only list fields that filters can use")
	rootCmd.AddCommand(cmd)
}

func fieldMatches(name, pattern string) bool {
	if pattern == "" {
		return true
	}
	if strings.ContainsAny(pattern, "*?[") {
		ok, _ := path.Match(pattern, name)
		return ok
	}
	return strings.Contains(name, pattern)
}
