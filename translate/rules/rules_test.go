package rules

import (
	"strings"
	"testing"

	"github.com/scapql/scapql/translate"
)

func load(t *testing.T) *Ruleset {
	t.Helper()
	rs, err := Load("testdata/base.yaml", "testdata/custom.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func byName(t *testing.T, rs *Ruleset, name string) *Rule {
	t.Helper()
	r := rs.findRule(name)
	if r == nil {
		t.Fatalf("no rule %q", name)
	}
	return r
}

// sameSQL checks a rule translates to the same SQL as its hand-expanded condition.
func sameSQL(t *testing.T, rs *Ruleset, rule, expanded string) {
	t.Helper()
	got, err := rs.Translate(byName(t, rs, rule))
	if err != nil {
		t.Fatalf("%s: %v", rule, err)
	}
	want, err := translate.Translate(expanded, translate.Options{Dialect: translate.Falco})
	if err != nil {
		t.Fatalf("%s: expanded form: %v", rule, err)
	}
	if got != want {
		t.Errorf("%s:\ngot  %s\nwant %s", rule, got, want)
	}
}

func TestExpansion(t *testing.T) {
	rs := load(t)
	sameSQL(t, rs, "Shell spawned",
		`(evt.type in (execve, execveat) and evt.dir=<) and proc.name in (ash, bash, sh, zsh) and not ((evt.num=0) or proc.pname = sshd) and proc.tty != 0`)
	sameSQL(t, rs, "User management", `(evt.type in (execve, execveat) and evt.dir=<) and proc.name = useradd`)
	sameSQL(t, rs, "Spaced list", `proc.cmdline in ("python -c", "perl -e")`)
	sameSQL(t, rs, "Outbound private",
		`(evt.type = connect and fd.snet in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16") and not container.image.repository in (docker.io/library/busybox)) `+
			`and not (( proc.name = curl and fd.sport in (80, 443)) or ( proc.name = wget and fd.sport in (8080)) or ( proc.name = nc and fd.sport in (22))) `+
			`and not (proc.cmdline in ("python -c x", ls))`)
}

func TestListsResolveEarlierLists(t *testing.T) {
	rs := load(t)
	for _, l := range rs.Lists() {
		if l.Name == "user_mgmt_binaries" {
			if got := strings.Join(l.Items, ","); got != `login,systemd,"(systemd)",su,useradd` {
				t.Fatalf("user_mgmt_binaries = %s", got)
			}
			return
		}
	}
	t.Fatal("no user_mgmt_binaries")
}

func TestFullCondition(t *testing.T) {
	rs := load(t)
	got := byName(t, rs, "Outbound private").FullCondition()
	// Byte for byte what Falco builds, double blanks included.
	want := `(evt.type = connect and fd.snet in (rfc_1918_addresses) and not container.image.repository in (allowed_images)) and not (( proc.name = curl and  fd.sport in (80, 443)) or ( proc.name = wget and  fd.sport in (8080)) or ( proc.name = nc and  fd.sport in (22))) and not (proc.cmdline in ("python -c x", ls))`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestCheck(t *testing.T) {
	rs := load(t)
	want := map[string]string{
		"Shell spawned":     "",
		"User management":   "",
		"Outbound private":  "",
		"Uses broken macro": "undefined macro later_macro",
		"Unsupported field": "unknown field proc.nosuch",
		"Spaced list":       "",
		"Audit rule":        "", // k8s_audit rules run on the k8saudit table
		"Disabled later":    "",
	}
	results := rs.Check()
	if len(results) != len(want) {
		t.Fatalf("%d results, want %d", len(results), len(want))
	}
	for _, r := range results {
		frag := want[r.Rule.Name]
		switch {
		case frag == "" && r.Err != nil:
			t.Errorf("%s: %v", r.Rule.Name, r.Err)
		case frag != "" && (r.Err == nil || !strings.Contains(r.Err.Error(), frag)):
			t.Errorf("%s: want an error with %q, got %v", r.Rule.Name, frag, r.Err)
		}
	}
	if byName(t, rs, "Disabled later").Enabled {
		t.Error("Disabled later should be disabled")
	}
	if len(rs.Warnings) == 0 || !strings.Contains(strings.Join(rs.Warnings, "\n"), "uses_later") {
		t.Errorf("want a warning about uses_later, got %v", rs.Warnings)
	}
}

func TestResolverForFilters(t *testing.T) {
	rs := load(t)
	sql, err := translate.Translate("spawned_process and shell_procs", translate.Options{Resolver: rs})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := translate.Translate("(evt.type in (execve, execveat) and evt.dir=<) and proc.name in (ash, bash, sh, zsh)", translate.Options{})
	if sql != want {
		t.Errorf("got  %s\nwant %s", sql, want)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct{ yaml, frag string }{
		{"- list: a\n  items: [x]\n  append: true\n", "append to a list that is not defined"},
		{"- macro: m\n  condition: x\n  override:\n    condition: prepend\n", "append or replace"},
		{"- rule: r\n  enabled: false\n", "no rule by that name"},
		{"a: b\n", "sequence"},
		{"- rule: r\n  condition: x\n  exceptions:\n    - name: e\n      fields: [a, b]\n      comps: [=]\n", "equal length"},
		{"- rule: r\n  condition: x\n  exceptions:\n    - name: e\n      fields: a\n      comps: =\n", "comps must be one of"},
	}
	for _, tt := range tests {
		rs := &Ruleset{}
		err := rs.Add("t.yaml", []byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.frag) {
			t.Errorf("%q: want an error with %q, got %v", tt.yaml, tt.frag, err)
		}
	}
}
