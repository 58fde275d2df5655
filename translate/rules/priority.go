package rules

import (
	"fmt"
	"strconv"
	"strings"
)

// EngineVersion is the rules engine version scapql implements, in Falco's numbering: a rules
// file's `required_engine_version` above it is refused, as Falco refuses it. An integer
// version N (the older form) is 0.N.0.
const EngineVersion = "0.31.0"

// Priority is a rule's priority, most severe first, as Falco numbers them.
type Priority int

// The priorities, in Falco's order.
const (
	Emergency Priority = iota
	Alert
	Critical
	Error
	Warning
	Notice
	Informational
	Debug
)

var priorityNames = [...]string{"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"}

// String is the priority as Falco prints it in alerts.
func (p Priority) String() string {
	if p < 0 || int(p) >= len(priorityNames) {
		return fmt.Sprintf("Priority(%d)", int(p))
	}
	return priorityNames[p]
}

// ParsePriority reads a priority name in any case; "info" is Informational, as in Falco.
func ParsePriority(s string) (Priority, error) {
	for i, n := range priorityNames {
		if strings.EqualFold(s, n) {
			return Priority(i), nil
		}
	}
	if strings.EqualFold(s, "info") {
		return Informational, nil
	}
	return 0, fmt.Errorf("unknown priority %q (one of emergency, alert, critical, error, warning, notice, informational or info, debug)", s)
}

// ContainerInfo is what Falco puts in place of %container.info in an output when no extra
// output format is configured.
const ContainerInfo = "container_id=%container.id container_name=%container.name"

// OutputFormat is the rule's output as a format of %field tokens (ingest/fields), as Falco
// renders an alert's output: %container.info expanded, and a leading "*" so that absent
// fields print <NA>.
func (r *Rule) OutputFormat() string {
	text := strings.TrimSpace(r.Output)
	text = strings.ReplaceAll(text, "%container.info", ContainerInfo)
	if !strings.HasPrefix(text, "*") {
		text = "*" + text
	}
	return text
}

// parseVersion reads "N" (meaning 0.N.0) or "X.Y.Z" into three numbers.
func parseVersion(s string) ([3]uint64, error) {
	var v [3]uint64
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseUint(s, 10, 32); err == nil {
		v[1] = n
		return v, nil
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return v, fmt.Errorf("required_engine_version %q is not a version (N or X.Y.Z)", s)
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return v, fmt.Errorf("required_engine_version %q is not a version (N or X.Y.Z)", s)
		}
		v[i] = n
	}
	return v, nil
}

// checkEngineVersion refuses a required_engine_version newer than EngineVersion.
func checkEngineVersion(item map[string]any) error {
	s, err := str(item, "required_engine_version")
	if err != nil {
		return err
	}
	want, err := parseVersion(s)
	if err != nil {
		return err
	}
	have, _ := parseVersion(EngineVersion)
	for i := range want {
		if want[i] != have[i] {
			if want[i] > have[i] {
				return fmt.Errorf("the rules require engine version %s, scapql implements %s", s, EngineVersion)
			}
			return nil
		}
	}
	return nil
}
